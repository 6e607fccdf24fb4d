import Pipeline
import ResultsStore

/// Runs `text` to its end as `privfed run` does (`JobService.runNow`) in a scratch folder and
/// database (`scratchJob`), for tests that check what a whole job records.
public func runJobNow(_ text: String, prefix: String) throws -> (db: ResultsDatabase, summary: JobSummary) {
    let (db, path) = try scratchJob(text, prefix: prefix)
    return (db, try JobService(database: db).runNow(try JobService.ready(path: path)))
}
