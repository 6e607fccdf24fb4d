import Pipeline
import ResultsStore

/// Runs `text` to its end as `privfed run` does (`JobService.runNow`) in a scratch folder and
/// database (`scratchJob`), for tests that check what a whole job records.
public func runJobNow(_ text: String, prefix: String) throws -> (db: ResultsDatabase, summary: JobSummary) {
    let (db, path) = try scratchJob(text, prefix: prefix)
    return (db, try JobService(database: db).runNow(try JobService.ready(path: path)))
}

/// The simulator's own record of job `jobId` (diagnostics only the simulation can compute, such
/// as `he_max_abs_error`), kept beside the database, never in it.
public func simulatorRecords(_ db: ResultsDatabase, jobId: Int64) throws -> [MetricRecord] {
    try JobService(database: db).localRecords.records(jobId: jobId, owner: "simulator")
}

/// The aggregator's metrics of job `jobId` with the simulator's diagnostics added.
public func metricsWithSimulatorRecords(_ db: ResultsDatabase, jobId: Int64) throws -> [MetricRecord] {
    try db.metrics(jobId: jobId) + simulatorRecords(db, jobId: jobId)
}
