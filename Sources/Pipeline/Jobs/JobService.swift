import Foundation
import ResultsStore

/// The three ways a job starts: now (`privfed run`), queued (`privfed submit`), or taken from
/// the queue by a worker (`privfed worker`).
public struct JobService {
    public let database: ResultsDatabase
    public let reader: ManifestReader

    public init(database: ResultsDatabase, reader: ManifestReader = ManifestReader()) {
        self.database = database
        self.reader = reader
    }

    static func record(_ manifest: JobManifest, text: String, path: String, status: JobStatus) -> JobRecord {
        JobRecord(name: manifest.name, manifestPath: path, manifestText: text, seed: Int64(manifest.seed),
                  randomness: manifest.randomness.rawValue, codeVersion: CodeVersion.current, status: status,
                  roundsPlanned: manifest.federation.rounds)
    }

    /// A manifest read, validated, and prepared (data loaded, partitioned, model initialised),
    /// before any database is touched: a bad manifest or dataset leaves nothing behind.
    public struct ReadyJob {
        public let path: String
        public let text: String
        public let prepared: PreparedJob

        public init(path: String, text: String, prepared: PreparedJob) {
            self.path = path; self.text = text; self.prepared = prepared
        }
    }

    public static func ready(path: String, reader: ManifestReader = ManifestReader()) throws -> ReadyJob {
        let (manifest, text) = try reader.read(path: path)
        return ReadyJob(path: path, text: text, prepared: try PreparedJob.prepare(manifest))
    }

    /// Records a ready job as running and executes it.
    public func runNow(_ ready: ReadyJob, progress: JobProgress? = nil) throws -> JobSummary {
        let prepared = ready.prepared
        let id = try database.insertJob(Self.record(prepared.manifest, text: ready.text, path: ready.path, status: .queued))
        let runner = JobRunner(database: database, progress: progress)
        try database.startJob(id: id, worker: runner.worker)
        return try runner.execute(prepared, jobId: id)
    }

    /// Validates the manifest and queues it; returns the job id.
    public func submit(path: String) throws -> Int64 {
        let (manifest, text) = try reader.read(path: path)
        return try database.insertJob(Self.record(manifest, text: text, path: path, status: .queued))
    }

    /// Validates manifest text that came from no file (the HTTP API's request body) and queues it;
    /// `source` names it in errors (`source:LINE: key: message`) and is recorded as the manifest path.
    public func submit(text: String, source: String) throws -> Int64 {
        let manifest = try reader.parse(text, file: source)
        return try database.insertJob(Self.record(manifest, text: text, path: source, status: .queued))
    }

    /// Takes the oldest queued job and runs it to the end; nil when the queue is empty.
    /// A job that cannot even start (its manifest no longer validates, its dataset is gone) is
    /// recorded as failed with the reason.
    public func workOnce(worker: String = JobRunner.defaultWorkerName(), progress: JobProgress? = nil) throws -> JobSummary? {
        guard let job = try database.claimNextJob(worker: worker), let id = job.id else { return nil }
        let prepared: PreparedJob
        do {
            let manifest = try reader.parse(job.manifestText, file: job.manifestPath)
            prepared = try PreparedJob.prepare(manifest)
        } catch {
            try database.finishJob(id: id, status: .failed, error: "\(error)")
            return JobSummary(jobId: id, name: job.name, status: JobStatus.failed.rawValue, roundsCompleted: 0,
                              roundsPlanned: job.roundsPlanned, accuracy: nil, loss: nil, modelSha256: nil, seconds: 0,
                              error: "\(error)")
        }
        let runner = JobRunner(database: database, worker: worker, progress: progress)
        do {
            return try runner.execute(prepared, jobId: id)
        } catch {
            let record = try database.job(id: id)
            return JobSummary(jobId: id, name: job.name, status: record.status.rawValue, roundsCompleted: record.roundsCompleted,
                              roundsPlanned: record.roundsPlanned, accuracy: nil, loss: nil, modelSha256: nil, seconds: 0,
                              error: record.error)
        }
    }
}
