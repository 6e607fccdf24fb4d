import Foundation
import ResultsStore

/// Errors of a running job.
public enum PipelineError: Error, CustomStringConvertible {
    case stage(String, String)
    case invalidRecordedManifest(jobId: Int64, ManifestError)
    case cancelled
    /// A release would take a party past its budget; the blocked decision is in the entry.
    case budgetExhausted(LedgerEntry)

    public var description: String {
        switch self {
        case .stage(let stage, let message): return "stage \(stage): \(message)"
        case .invalidRecordedManifest(let id, let error): return "job \(id): its manifest no longer validates: \(error)"
        case .cancelled: return "the job was cancelled"
        case .budgetExhausted(let e):
            return "privacy budget exhausted: \(e.party) has spent ε = \(String(format: "%.4f", e.epsilonSpentRDP)) of \(e.budgetEpsilon); round \(e.round) would exceed it, so nothing was released"
        }
    }
}
