import Foundation
import Randomness

/// Where a party on its own machine (an agent, a share-holder) keeps the secret root it made for
/// each job: one secrets file per job in its state folder (mode 0600, the folder 0700), made from
/// the OS's CSPRNG the first time the job is offered and read back after a restart. Only its
/// commitment leaves the machine.
struct JobRootFiles: Sendable {
    let stateDirectory: String
    /// The name the secrets file records (the participant's).
    let owner: String

    /// Makes the state folder (0700) if it is not there.
    /// - Throws: `SecretsError.unreadable` when it cannot be made.
    static func makeStateFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw SecretsError.unreadable(file: path, reason: "cannot create the state folder: \(error.localizedDescription)")
        }
    }

    /// The root of `party` for job `job` (whose manifest text has SHA-256 `manifestSha256`).
    func root(job: UInt64, manifestSha256: String, party: Party) throws -> SecretRoot {
        let path = (stateDirectory as NSString).appendingPathComponent("job-\(job)-\(manifestSha256.prefix(16)).secrets.json")
        if FileManager.default.fileExists(atPath: path) {
            let secrets = try SecretsFile.read(path)
            guard let root = secrets.roots[party] else { throw SecretsError.missingParties(file: path, parties: [party.description]) }
            return root
        }
        let root = SecretRoot.fromOperatingSystem()
        try SecretsFile.writePrivately(SecretsFile.encoded(JobSecrets(roots: [party: root]), jobId: Int64(job), name: owner), to: path)
        return root
    }
}
