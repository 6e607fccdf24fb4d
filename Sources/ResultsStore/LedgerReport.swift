/// A job's privacy ledger with its summary per party and the result of verifying its hash chain:
/// what `privfed ledger JOB --json` prints and `GET /api/jobs/{id}/ledger` answers.
public struct LedgerReport: Codable, Sendable {
    public var summary: LedgerSummary
    public var rows: [LedgerRow]

    public init(summary: LedgerSummary, rows: [LedgerRow]) {
        self.summary = summary; self.rows = rows
    }

    /// Reads job `id`'s ledger and verifies its chain; throws `ResultsStoreError.jobNotFound` for an unknown id.
    public static func load(_ database: ResultsDatabase, jobId id: Int64) throws -> LedgerReport {
        _ = try database.job(id: id)
        let rows = try database.ledger(jobId: id)
        return LedgerReport(summary: LedgerSummary(jobId: id, rows: rows, chain: try database.verifyLedgerChain(jobId: id)), rows: rows)
    }
}
