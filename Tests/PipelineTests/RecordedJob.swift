import GRDB
@testable import ResultsStore

/// What a job left in the database, for comparing a resumed job with an uninterrupted one.
struct RecordedJob: Equatable {
    var status: String
    var artifacts: [ArtifactRecord]
    var metrics: [MetricRecord]
    /// Ledger entries in chain order (without their timestamps and hashes).
    var ledger: [LedgerEntry]
    var stageRunKeys: [String]

    init(_ db: ResultsDatabase, jobId: Int64) throws {
        status = try db.job(id: jobId).status.rawValue
        artifacts = try db.artifacts(jobId: jobId)
        metrics = try db.metrics(jobId: jobId)
        ledger = try db.ledger(jobId: jobId).map(\.entry)
        stageRunKeys = try db.stageRuns(jobId: jobId).map { "\($0.round)/\($0.stage)/\($0.client.map(String.init) ?? "-")/\($0.succeeded)" }
    }

    /// Groups that occur more than once where each must occur once: rounds × stage × client for
    /// stage runs, plus metric name for metrics, round × party × mechanism for the ledger.
    static func duplicates(_ db: ResultsDatabase, jobId: Int64) throws -> [String] {
        try db.engine.read { db in
            try [
                "SELECT 'stage_runs ' || round || ' ' || stage || ' ' || COALESCE(CAST(client AS TEXT), '-') FROM stage_runs WHERE job_id = ? GROUP BY round, stage, client HAVING count(*) > 1",
                "SELECT 'metrics ' || round || ' ' || stage || ' ' || COALESCE(CAST(client AS TEXT), '-') || ' ' || name FROM metrics WHERE job_id = ? GROUP BY round, stage, client, name HAVING count(*) > 1",
                "SELECT 'ledger ' || round || ' ' || party || ' ' || mechanism FROM privacy_ledger WHERE job_id = ? GROUP BY round, party, mechanism HAVING count(*) > 1",
            ].flatMap { try String.fetchAll(db, sql: $0, arguments: [jobId]) }
        }
    }
}
