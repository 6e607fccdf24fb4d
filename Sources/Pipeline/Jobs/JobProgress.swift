import ResultsStore

/// Receives progress of a running job (the command line draws a progress bar from it).
public protocol JobProgress: AnyObject {
    /// This execution will run `rounds` (a resumed job starts after its checkpoint).
    func started(job: Int64, name: String, rounds: ClosedRange<Int>)
    /// One of the `clients` taking part in `round` finished its local work.
    func clientFinished(round: Int, client: Int, of clients: Int)
    /// A round finished with this test accuracy.
    func roundFinished(round: Int, of rounds: Int, accuracy: Double?)
    /// The privacy monitor's warning (a party passed 80% of its budget), once per party: shown
    /// above the progress, never inside it.
    func warning(_ message: String)
    func finished()
}

/// The summary `privfed run` prints.
public struct JobSummary: Codable, Sendable {
    public var jobId: Int64
    public var name: String
    public var status: String
    public var roundsCompleted: Int
    public var roundsPlanned: Int
    public var accuracy: Double?
    public var loss: Double?
    public var modelSha256: String?
    public var seconds: Double
    public var error: String?
    /// ε per accountant, δ and σ of a DP job's releases, read from its ledger (nil without DP).
    public var privacy: PrivacyOutcome? = nil
}
