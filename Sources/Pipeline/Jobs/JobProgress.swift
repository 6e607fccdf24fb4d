/// Receives progress of a running job (the command line draws a progress bar from it).
public protocol JobProgress: AnyObject {
    /// The job will run `totalSteps` steps: one per client per round.
    func started(job: Int64, name: String, totalSteps: Int)
    /// One client finished its local work in `round`.
    func clientFinished(round: Int, client: Int)
    /// A round finished with this test accuracy.
    func roundFinished(round: Int, of rounds: Int, accuracy: Double?)
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
}
