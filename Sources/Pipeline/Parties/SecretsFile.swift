import Foundation
import Randomness

/// The escrow of a reproducible job's secret roots: a JSON file outside the results database,
/// created with mode 0600 in a directory of mode 0700.
///
/// ```json
/// {"format": "privfed-secrets/1", "job": 7, "name": "mnist-dp-federated",
///  "roots": {"aggregator": "64 hex digits", "client/0": "…"}}
/// ```
/// Whoever holds the file can re-execute the job bit for bit (`privfed audit JOB --reproduce
/// --secrets FILE`, or `privfed run MANIFEST --secrets FILE` to replay it on purpose); without it
/// the records cannot be replayed, which is the point.
public enum SecretsFile {
    public static let format = "privfed-secrets/1"

    /// The directory secrets files go to when none is given: `$PRIVFED_SECRETS`, else
    /// `privfed-secrets/` beside the results database.
    public static func defaultDirectory(databasePath: String) -> String {
        if let dir = ProcessInfo.processInfo.environment["PRIVFED_SECRETS"], !dir.isEmpty { return dir }
        let absolute = URL(fileURLWithPath: databasePath).standardizedFileURL
        return absolute.deletingLastPathComponent().appendingPathComponent("privfed-secrets").path
    }

    /// Writes `secrets` for job `jobId` into `directory` (created with mode 0700) as
    /// `job-ID-TAG.secrets.json`, TAG being random, so databases sharing a directory never collide;
    /// returns the absolute path. The file is written under a temporary name, synced, then renamed.
    public static func write(_ secrets: JobSecrets, jobId: Int64, name: String, directory: String) throws -> String {
        let fm = FileManager.default
        let dir = URL(fileURLWithPath: directory).standardizedFileURL
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw SecretsError.unreadable(file: dir.path, reason: "cannot create the secrets directory: \(error.localizedDescription)")
        }
        let tag = SecretRoot.fromOperatingSystem().hex.prefix(8)
        let path = dir.appendingPathComponent("job-\(jobId)-\(tag).secrets.json").path
        guard !fm.fileExists(atPath: path) else { throw SecretsError.exists(file: path) }
        try writePrivately(encoded(secrets, jobId: jobId, name: name), to: path)
        return path
    }

    /// The file's JSON: format, job, name and every party's root in hex.
    static func encoded(_ secrets: JobSecrets, jobId: Int64, name: String) throws -> Data {
        var roots: [String: String] = [:]
        for (party, root) in secrets.roots { roots[party.description] = root.hex }
        let object: [String: Any] = ["format": format, "job": jobId, "name": name, "roots": roots]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
    }

    /// Writes `data` as a new file readable by its owner only (mode 0600): under a temporary
    /// name, synced, then renamed, so a crash never leaves half a secret behind.
    static func writePrivately(_ data: Data, to path: String) throws {
        let temporary = path + ".partial"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw SecretsError.unreadable(file: temporary, reason: String(cString: strerror(errno))) }
        let written = data.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw SecretsError.unreadable(file: path, reason: "could not write the file")
        }
    }

    /// Reads a secrets file; refuses one that others can read, or that is not a secrets file.
    public static func read(_ path: String) throws -> JobSecrets {
        let fm = FileManager.default
        guard fm.fileExists(atPath: path) else { throw SecretsError.missing(file: path) }
        if let mode = (try? fm.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw SecretsError.insecurePermissions(file: path, mode: mode)
        }
        guard let data = fm.contents(atPath: path) else { throw SecretsError.unreadable(file: path, reason: "permission denied") }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SecretsError.malformed(file: path, reason: "not a JSON object")
        }
        guard object["format"] as? String == format else {
            throw SecretsError.malformed(file: path, reason: "its \"format\" is not \"\(format)\"")
        }
        guard let entries = object["roots"] as? [String: String], !entries.isEmpty else {
            throw SecretsError.malformed(file: path, reason: "it has no \"roots\" object of hex strings")
        }
        var roots: [Party: SecretRoot] = [:]
        for (name, hex) in entries {
            guard let party = Party(name) else { throw SecretsError.malformed(file: path, reason: "\"\(name)\" is not a party") }
            guard let root = SecretRoot(hex: hex) else {
                throw SecretsError.malformed(file: path, reason: "the root of \(name) is not 64 hex digits")
            }
            roots[party] = root
        }
        return JobSecrets(roots: roots)
    }
}
