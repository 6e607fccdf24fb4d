import Foundation
import ResultsStore

/// Errors of a running job.
public enum PipelineError: Error, CustomStringConvertible {
    case stage(String, String)
    case invalidRecordedManifest(jobId: Int64, ManifestError)
    case cancelled
    /// A release would take a party past its budget; the blocked decision is in the entry.
    case budgetExhausted(LedgerEntry)
    /// The results database stayed locked by another process past the retry limit.
    case databaseLocked(String)
    /// A signal asked the job to stop (`StopRequest`); it stopped at a stage boundary.
    case interrupted(signal: Int32)
    /// A `deployment: agents` manifest given to a command that simulates every party.
    case needsAgents

    public var description: String {
        switch self {
        case .stage(let stage, let message): return "stage \(stage): \(message)"
        case .invalidRecordedManifest(let id, let error): return "job \(id): its manifest no longer validates: \(error)"
        case .cancelled: return "the job was cancelled"
        case .databaseLocked(let message): return message
        case .interrupted(let signal): return "interrupted by \(StopRequest.name(signal))"
        case .needsAgents:
            return "federation.deployment is agents: the clients train on their own machines, so run the job with "
                + "`privfed orchestrator --run MANIFEST` while the agents are connected (`privfed agent`), not in one process"
        case .budgetExhausted(let e):
            return "privacy budget exhausted: \(e.party) has spent ε = \(String(format: "%.4f", e.epsilonSpentRDP)) of \(e.budgetEpsilon); round \(e.round) would exceed it, so nothing was released"
        }
    }
}
