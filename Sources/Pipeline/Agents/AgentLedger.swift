import DifferentialPrivacy
import Foundation
import Synchronization

/// A data holder's own privacy ledger (issue 14): one JSON line per release its agent made, on the
/// agent's disk, appended and synced before the update leaves. It spans every job the agent ran
/// on its data, so the agent's budget (`AgentBudget`) composes them all; nothing the orchestrator
/// says can shorten it.
public final class AgentLedger: Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        /// The orchestrator's job id and the SHA-256 of the manifest text: together they name a job
        /// even across orchestrators.
        public var job: UInt64
        public var manifestSha256: String
        public var round: Int
        public var samplingRate: Double
        public var noiseMultiplier: Double
        public var steps: Int
        /// SHA-256 of the broadcast model the round started from, and of the delta released.
        public var globalSha256: String
        public var outputSha256: String
        public var recordedAt: String

        enum CodingKeys: String, CodingKey {
            case job, round, steps
            case manifestSha256 = "manifest_sha256", samplingRate = "sampling_rate", noiseMultiplier = "noise_multiplier"
            case globalSha256 = "global_sha256", outputSha256 = "output_sha256", recordedAt = "recorded_at"
        }

        var stretch: SubsampledGaussianSteps {
            get throws { try SubsampledGaussianSteps(samplingRate: samplingRate, noiseMultiplier: noiseMultiplier, steps: steps) }
        }
    }

    public let path: String
    private let state: Mutex<[Entry]>

    /// Opens (or starts) the ledger at `path`.
    /// - Throws: `AgentError.ledger` naming the line that is not an entry.
    public init(path: String) throws {
        self.path = path
        var entries: [Entry] = []
        if let data = FileManager.default.contents(atPath: path) {
            let decoder = JSONDecoder()
            for (number, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
                do { entries.append(try decoder.decode(Entry.self, from: Data(line))) } catch {
                    throw AgentError.ledger(path: path, line: number + 1, reason: "not a ledger entry (\(error))")
                }
            }
        }
        state = Mutex(entries)
    }

    public var entries: [Entry] { state.withLock { $0 } }

    /// Appends `entry` and syncs it to disk before returning.
    func append(_ entry: Entry) throws {
        try JSONLineFile.append(entry, to: path)
        state.withLock { $0.append(entry) }
    }
}

/// An append-only file of one JSON object per line (mode 0600), each line synced to disk before
/// `append` returns: an agent's ledger, a share-holder's partial sums.
enum JSONLineFile {
    /// - Throws: `AgentError.ledger` naming the file when the line cannot be written whole.
    static func append<T: Encodable>(_ value: T, to path: String) throws {
        var line = try JSONEncoder.sorted.encode(value)
        line.append(UInt8(ascii: "\n"))
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { throw AgentError.ledger(path: path, line: 0, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(fd) == 0 else { throw AgentError.ledger(path: path, line: 0, reason: "could not append the line") }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// What an agent will spend of its data's privacy, over every job: ε at δ under RDP.
public struct AgentBudget: Sendable, Equatable {
    public var epsilon: Double
    public var delta: Double

    public init(epsilon: Double, delta: Double) { self.epsilon = epsilon; self.delta = delta }
}

/// Why an agent will not do what the orchestrator asked; the text goes back over the link.
public enum AgentError: Error, CustomStringConvertible, Equatable {
    case refused(String)
    case ledger(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .refused(let reason): return "refused: \(reason)"
        case .ledger(let path, let line, let reason): return line > 0 ? "\(path):\(line): \(reason)" : "\(path): \(reason)"
        }
    }
}
