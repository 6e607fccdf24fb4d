/// Everything recorded about one job — its row, every stage run, metric and model hash: what
/// `privfed show JOB --json` prints and `GET /api/jobs/{id}` answers.
public struct JobDetail: Codable, Sendable {
    public var job: JobRecord
    public var stageRuns: [StageRunRecord]
    public var metrics: [MetricRecord]
    public var artifacts: [ArtifactRecord]

    public init(job: JobRecord, stageRuns: [StageRunRecord], metrics: [MetricRecord], artifacts: [ArtifactRecord]) {
        self.job = job; self.stageRuns = stageRuns; self.metrics = metrics; self.artifacts = artifacts
    }

    /// Reads job `id`; throws `ResultsStoreError.jobNotFound` for an unknown id.
    public static func load(_ database: ResultsDatabase, jobId id: Int64) throws -> JobDetail {
        JobDetail(job: try database.job(id: id), stageRuns: try database.stageRuns(jobId: id),
                  metrics: try database.metrics(jobId: id), artifacts: try database.artifacts(jobId: id))
    }
}
