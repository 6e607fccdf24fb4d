import Foundation

/// Everything recorded about one job — its row, its rounds, every stage run, metric and model
/// hash: what `privfed show JOB --json` prints and `GET /api/jobs/{id}` answers.
public struct JobDetail: Codable, Sendable {
    public var job: JobRecord
    public var rounds: [RoundRecord]
    public var stageRuns: [StageRunRecord]
    public var metrics: [MetricRecord]
    public var artifacts: [ArtifactRecord]
    /// The one-run empirical privacy audit, for jobs with `audit: { canaries: m }`.
    public var canaryAudit: CanaryAuditRecord?
    /// ε per accountant, δ and σ of a DP job's releases (nil without DP or before the first release).
    public var privacy: PrivacyOutcome?

    public init(job: JobRecord, rounds: [RoundRecord], stageRuns: [StageRunRecord], metrics: [MetricRecord], artifacts: [ArtifactRecord],
                canaryAudit: CanaryAuditRecord? = nil, privacy: PrivacyOutcome? = nil) {
        self.job = job; self.rounds = rounds; self.stageRuns = stageRuns; self.metrics = metrics; self.artifacts = artifacts
        self.canaryAudit = canaryAudit; self.privacy = privacy
    }

    /// Reads job `id`; throws `ResultsStoreError.jobNotFound` for an unknown id.
    /// Every part from one snapshot, so a job read while its worker commits a round is never
    /// half of the old round and half of the new.
    public static func load(_ database: ResultsDatabase, jobId id: Int64) throws -> JobDetail {
        try database.snapshot { db in
            JobDetail(job: try db.job(id: id), rounds: try db.rounds(jobId: id), stageRuns: try db.stageRuns(jobId: id),
                      metrics: try db.metrics(jobId: id), artifacts: try db.artifacts(jobId: id),
                      canaryAudit: try db.canaryAudit(jobId: id), privacy: try PrivacyOutcome.load(db, jobId: id))
        }
    }
}

/// A row of `rounds`, as read back: round 0 is the set-up; `released` means the round's updates have
/// left the clients and their privacy spend is on the ledger.
public struct RoundRecord: Codable, Sendable, Equatable {
    public var round: Int
    public var status: String
    public var selectedClients: [Int]
    public var startedAt: String
    public var finishedAt: String
}

extension ResultsDatabase {
    public func rounds(jobId: Int64) throws -> [RoundRecord] {
        try engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM rounds WHERE job_id = ? ORDER BY round", arguments: [jobId]).map {
                let clients: String = $0["selected_clients"]
                return RoundRecord(round: $0["round"], status: $0["status"],
                                   selectedClients: (try? JSONDecoder().decode([Int].self, from: Data(clients.utf8))) ?? [],
                                   startedAt: $0["started_at"], finishedAt: $0["finished_at"])
            }
        }
    }
}
