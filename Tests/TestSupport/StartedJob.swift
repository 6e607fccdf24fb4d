import Pipeline
import ResultsStore

/// A job queued and started in `database` by a worker named "test", with the real `JobRunner`
/// that will execute it, for tests that reach into the runner before it runs.
///
/// Tests swap stages through the runner's `stageOverride` (a broken stage, a probe, a leaky DP
/// implementation). It is internal to Pipeline, so the test sets it through its own `@testable`
/// import: this target imports Pipeline plainly, because `swift build` builds it too, and a
/// release build without `-enable-testing` refuses `@testable` imports.
public struct StartedJob {
    public let database: ResultsDatabase
    public let ready: JobService.ReadyJob
    public let id: Int64
    public let runner: JobRunner

    /// Reads and prepares the manifest at `path`, queues it and marks it started.
    public init(path: String, database: ResultsDatabase) throws {
        self.database = database
        id = try JobService(database: database).submit(path: path)
        // The job runs with the secrets escrowed at submission, as a worker's would.
        ready = try JobService.ready(path: path, secretsFile: try database.secretsPath(jobId: id))
        try database.startJob(id: id, worker: "test")
        runner = JobRunner(database: database, worker: "test")
    }

    /// Runs every round; throws what the runner throws (the job is then recorded as failed).
    @discardableResult
    public func execute() throws -> JobSummary {
        try runner.execute(ready.prepared, jobId: id)
    }
}

/// Runs `text` to its end with the real `JobRunner` in a scratch folder and database;
/// `configure` gets the runner first (to swap stages). Returns the database and the job's id.
public func runWithJobRunner(_ text: String, prefix: String, configure: (JobRunner) -> Void = { _ in }) throws
    -> (db: ResultsDatabase, id: Int64) {
    let (db, path) = try scratchJob(text, prefix: prefix)
    let job = try StartedJob(path: path, database: db)
    configure(job.runner)
    try job.execute()
    return (db, job.id)
}
