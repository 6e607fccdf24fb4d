import Foundation
import Randomness
import ResultsStore

/// Every party's secret root for one job: the only source of the job's private randomness.
///
/// The manifest seed keys the public streams only (`PreparedJob.publicStreams`: partition, model
/// initialisation, non-private client selection). Each private draw — DP noise, Poisson batches
/// and cohorts, HE key shares, encryption randomness, smudging, SecAgg keys and masks, additive
/// shares, the canary mask — comes from `streams(for:)` of the party that makes it, keyed by that
/// party's root. In `randomness: secure` the roots come from the OS and are never written; in
/// `randomness: reproducible` they are escrowed in a `SecretsFile` and the database records only
/// `commitments`.
public struct JobSecrets: Sendable {
    public let roots: [Party: SecretRoot]

    public init(roots: [Party: SecretRoot]) { self.roots = roots }

    /// Fresh roots from the operating system for every party of `manifest` — but the clients and
    /// share-holders, with `excludingClients`, when they are agents that make their own
    /// (`deployment: agents`).
    public static func fresh(for manifest: JobManifest, excludingClients: Bool = false) -> JobSecrets {
        let parties = Party.all(in: manifest).filter { party in
            switch party {
            case .client, .shareHolder: return !excludingClients
            default: return true
            }
        }
        return JobSecrets(roots: Dictionary(uniqueKeysWithValues: parties.map { ($0, SecretRoot.fromOperatingSystem()) }))
    }

    /// The private streams of `party`.
    public func streams(for party: Party) -> RandomStreams {
        guard let root = roots[party] else { preconditionFailure("\(party) has no secret root in this job") }
        return RandomStreams(root: root)
    }

    /// What the results database records in place of the roots, in party order.
    public var commitments: [SecretCommitmentRecord] {
        roots.keys.sorted().map { SecretCommitmentRecord(party: $0.description, commitment: roots[$0]!.commitment(owner: $0.description)) }
    }

    /// Throws unless these roots cover every party of `manifest`.
    public func requireParties(of manifest: JobManifest, file: String) throws {
        let missing = Party.all(in: manifest).filter { roots[$0] == nil }
        guard missing.isEmpty else {
            throw SecretsError.missingParties(file: file, parties: missing.map(\.description))
        }
    }

    /// Compares the roots with the commitments recorded for a job; nil when every recorded party's
    /// root is here and matches, else what differs.
    public func mismatch(against recorded: [SecretCommitmentRecord]) -> String? {
        guard !recorded.isEmpty else { return "the job has no recorded secret commitments" }
        for record in recorded {
            guard let party = Party(record.party), let root = roots[party] else {
                return "the secrets file has no root for \(record.party)"
            }
            if root.commitment(owner: record.party) != record.commitment {
                return "the root of \(record.party) does not match its recorded commitment \(record.commitment.prefix(16))…"
            }
        }
        return nil
    }
}

/// Why a secrets file cannot be used.
public enum SecretsError: Error, CustomStringConvertible, Equatable {
    case missing(file: String)
    case unreadable(file: String, reason: String)
    case malformed(file: String, reason: String)
    case missingParties(file: String, parties: [String])
    case commitmentMismatch(file: String, reason: String)
    case notReproducible(jobId: Int64)
    case exists(file: String)
    case insecurePermissions(file: String, mode: Int)

    public var description: String {
        switch self {
        case .missing(let file):
            return "the secrets file \(file) does not exist: a reproducible job re-executes only with the secrets it ran with (give them with --secrets FILE)"
        case .unreadable(let file, let reason): return "cannot read the secrets file \(file): \(reason)"
        case .malformed(let file, let reason): return "\(file) is not a privfed secrets file: \(reason)"
        case .missingParties(let file, let parties):
            return "the secrets file \(file) has no root for \(parties.joined(separator: ", ")) (it was written for another manifest)"
        case .commitmentMismatch(let file, let reason):
            return "the secrets file \(file) is not this job's: \(reason)"
        case .notReproducible(let id):
            return "job \(id) ran with randomness: secure; its secrets came from the operating system and were never stored, so it cannot be re-executed"
        case .exists(let file): return "will not overwrite the existing secrets file \(file)"
        case .insecurePermissions(let file, let mode):
            return "the secrets file \(file) is readable by others (mode \(String(mode, radix: 8))); run `chmod 600 \(file)`"
        }
    }
}
