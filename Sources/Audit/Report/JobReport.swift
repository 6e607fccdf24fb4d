import Foundation
import Pipeline
import ResultsStore

/// Everything `privfed report` shows for one job, read from the results database: the HTML
/// report, the JSON export and the CSV export are three renderings of this one value, so they
/// cannot disagree.
public struct JobReport: Codable, Sendable {
    /// The job's identity and lifecycle, as recorded in `jobs`.
    public struct Header: Codable, Sendable {
        public var id: Int64
        public var name: String
        public var status: String
        public var error: String?
        public var createdAt: String
        public var startedAt: String?
        public var finishedAt: String?
        public var codeVersion: String
        public var seed: Int64
        public var randomness: String
        public var roundsPlanned: Int
        public var roundsCompleted: Int
        public var manifestPath: String
        public var manifestSha256: String
    }

    /// The most recent `privfed audit` of the job (from the `audits` table).
    public struct AuditSummary: Codable, Sendable {
        public var createdAt: String
        public var codeVersion: String
        public var reproduced: Bool
        public var passed: Bool
        public var findings: [AuditFinding]
    }

    public var job: Header
    public var manifest: String
    public var privacy: PrivacyStatement
    public var charts: [ReportChart]
    /// The one-run canary audit; nil when the manifest has no `audit: { canaries }` block.
    public var empiricalAudit: EmpiricalAuditStatement?
    /// Nil when the job was never audited.
    public var audit: AuditSummary?
    /// When this report was generated (UTC), and by which privfed.
    public var generatedAt: String
    public var generatedBy: String

    public func chart(_ id: String) -> ReportChart? { charts.first { $0.id == id } }
}

extension JobReport {
    /// Reads job `jobId` from `database` and assembles its report.
    /// - Throws: `ResultsStoreError.jobNotFound` for an unknown job; database errors.
    public static func load(database: ResultsDatabase, jobId: Int64) throws -> JobReport {
        let record = try database.job(id: jobId)
        let rows = try database.ledger(jobId: jobId)
        let summary = LedgerSummary(jobId: jobId, rows: rows, chain: try database.verifyLedgerChain(jobId: jobId))
        let manifest = try? ManifestReader().parse(record.manifestText, file: record.manifestPath)
        let metrics = try database.metrics(jobId: jobId)
        let stageRuns = try database.stageRuns(jobId: jobId)
        let header = Header(id: jobId, name: record.name, status: record.status.rawValue, error: record.error,
                            createdAt: record.createdAt, startedAt: record.startedAt, finishedAt: record.finishedAt,
                            codeVersion: record.codeVersion, seed: record.seed, randomness: record.randomness,
                            roundsPlanned: record.roundsPlanned, roundsCompleted: record.roundsCompleted,
                            manifestPath: record.manifestPath, manifestSha256: record.manifestSha256)
        let privacy = PrivacyStatement(summary: summary, rows: rows, manifest: manifest)
        let canaries = try database.canaryAudit(jobId: jobId)
        var charts = [
            ReportCharts.evaluation(metrics, name: "accuracy"),
            ReportCharts.evaluation(metrics, name: "loss"),
            ReportCharts.epsilon(rows, privacy: privacy),
        ]
        if let scores = ReportCharts.canaryScores(try database.canaryScores(jobId: jobId), mask: canaries?.reveal?.mask) {
            charts.append(scores)
        }
        charts += [ReportCharts.stageTime(stageRuns), ReportCharts.stageBytes(metrics)]
        return JobReport(job: header, manifest: record.manifestText, privacy: privacy, charts: charts,
                         empiricalAudit: canaries.map(EmpiricalAuditStatement.init),
                         audit: try latestAudit(database: database, jobId: jobId),
                         generatedAt: Timestamp.now(), generatedBy: "privfed \(CodeVersion.current)")
    }

    static func latestAudit(database: ResultsDatabase, jobId: Int64) throws -> AuditSummary? {
        guard let row = try database.engine.read({ db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM audits WHERE job_id = ? ORDER BY id DESC LIMIT 1", arguments: [jobId])
        }) else { return nil }
        let json: String = row["findings_json"]
        let findings: [AuditFinding]
        do {
            findings = try JSONDecoder().decode([AuditFinding].self, from: Data(json.utf8))
        } catch {
            findings = [AuditFinding("findings_json", false, "the recorded findings could not be read: \(error)")]
        }
        return AuditSummary(createdAt: row["created_at"], codeVersion: row["code_version"],
                            reproduced: (row["reproduced"] as Int) == 1, passed: (row["passed"] as Int) == 1, findings: findings)
    }
}
