import Foundation
import ResultsStore

/// The ways a job starts: now (`privfed run`), queued (`privfed submit`), taken from the queue by
/// a worker (`privfed worker`, which takes interrupted jobs first), or continued after its worker
/// died (`privfed resume`).
public struct JobService {
    public let database: ResultsDatabase
    public let reader: ManifestReader
    /// The lease the runners of this service take and renew.
    public var leaseSeconds = ResultsDatabase.defaultLeaseSeconds
    /// A deterministic crash for the crash-safety tests (`PRIVFED_FAULT_INJECT`); nil in normal use.
    public var faults: FaultInjection?
    /// Where the secrets files of reproducible jobs are written (`SecretsFile.defaultDirectory`
    /// unless given): outside the results database, so the records alone never replay a job.
    public var secretsDirectory: String
    /// Where the parties' own records go (`LocalRecords.defaultDirectory` unless given).
    public var localRecords: LocalRecords
    /// Set by the command line's SIGINT/SIGTERM handler: the running job stops at its next stage
    /// boundary, recorded `interrupted`.
    public var stopRequest: StopRequest?
    /// Where a job whose manifest came from no file (an HTTP request body, recorded as
    /// `request`) reads its data from; nil: relative to the working directory.
    public var requestDatasets: RequestDatasets?
    /// How this service's jobs reach their agents (`privfed serve --agent-port`): waits for a
    /// `deployment: agents` job's agents and has them accept it. nil: the service runs simulated
    /// jobs only; it refuses agents manifests at submission and leaves queued ones to a service
    /// that has a link.
    public var agents: AgentJoining?

    /// Joins the agents of job `jobId` (its manifest and text) and has them accept it.
    public typealias AgentJoining = @Sendable (_ manifest: JobManifest, _ text: String, _ jobId: Int64) throws -> AgentsJoined

    public init(database: ResultsDatabase, reader: ManifestReader = ManifestReader(), secretsDirectory: String? = nil,
                localRecordsDirectory: String? = nil) {
        self.database = database
        self.reader = reader
        self.secretsDirectory = secretsDirectory ?? SecretsFile.defaultDirectory(databasePath: database.besidePath)
        self.localRecords = LocalRecords(directory: localRecordsDirectory ?? LocalRecords.defaultDirectory(databasePath: database.besidePath))
    }

    /// Records a new job with its parties' secret commitments; a reproducible job's secrets are
    /// escrowed in a secrets file in the same step (the job is recorded only if the file is
    /// written). `replayedFrom` is the secrets file a replay was given: it is recorded as the job's
    /// file instead of writing a new one. Secure jobs record neither: their roots are never stored.
    func insert(_ record: JobRecord, manifest: JobManifest, secrets: JobSecrets, replayedFrom: String?) throws -> Int64 {
        guard manifest.randomness == .reproducible else {
            return try database.insertJob(record, commitments: [], escrow: nil)
        }
        let directory = secretsDirectory
        return try database.insertJob(record, commitments: secrets.commitments) { id in
            if let replayedFrom { return URL(fileURLWithPath: replayedFrom).standardizedFileURL.path }
            return try SecretsFile.write(secrets, jobId: id, name: manifest.name, directory: directory)
        }
    }

    /// The secrets job `jobId` ran with: a reproducible job's escrowed file (`file`, else the
    /// path recorded at submission), checked against the recorded commitments; fresh OS roots for
    /// a secure job.
    /// - Throws: `SecretsError` when the file is missing, malformed or not this job's.
    public func secrets(jobId: Int64, manifest: JobManifest, file: String? = nil) throws -> JobSecrets {
        // With agents the clients' and share-holders' roots are on their machines; only the orchestrator's are here.
        let agents = manifest.federation.deployment == .agents
        guard manifest.randomness == .reproducible else { return JobSecrets.fresh(for: manifest, excludingClients: agents) }
        guard let path = try file ?? database.secretsPath(jobId: jobId) else {
            throw SecretsError.missing(file: "(none recorded for job \(jobId))")
        }
        let secrets = try SecretsFile.read(path)
        let recorded = try database.secretCommitments(jobId: jobId).filter { !agents || !($0.party.hasPrefix("client/") || $0.party.hasPrefix("share-holder/")) }
        if let problem = secrets.mismatch(against: recorded) {
            throw SecretsError.commitmentMismatch(file: path, reason: problem)
        }
        return secrets
    }

    static func record(_ manifest: JobManifest, text: String, path: String, status: JobStatus) -> JobRecord {
        var record = JobRecord(name: manifest.name, manifestPath: path, manifestText: text, seed: Int64(manifest.seed),
                               randomness: manifest.randomness.rawValue, codeVersion: CodeVersion.current, status: status,
                               roundsPlanned: manifest.federation.rounds)
        record.dependencies = ResolvedDependencies.recorded
        return record
    }

    /// A manifest read, validated, and prepared (data loaded, partitioned, model initialised),
    /// before any database is touched: a bad manifest or dataset leaves nothing behind.
    public struct ReadyJob {
        public let path: String
        public let text: String
        public let prepared: PreparedJob
        /// The secrets file a replay was given (`privfed run --secrets FILE`); nil for fresh secrets.
        public let secretsFile: String?

        public init(path: String, text: String, prepared: PreparedJob, secretsFile: String? = nil) {
            self.path = path; self.text = text; self.prepared = prepared; self.secretsFile = secretsFile
        }
    }

    /// Reads, validates and prepares the manifest at `path`. With `secretsFile`, the job replays
    /// those secrets (they must cover every party of the manifest); without, every party gets a
    /// fresh root from the operating system.
    public static func ready(path: String, reader: ManifestReader = ManifestReader(), secretsFile: String? = nil) throws -> ReadyJob {
        let (manifest, text) = try reader.read(path: path)
        try refuseAgents(manifest, text: text, file: path)
        let path = URL(fileURLWithPath: path).standardizedFileURL.path
        var secrets: JobSecrets?
        if let secretsFile {
            let replayed = try SecretsFile.read(secretsFile)
            try replayed.requireParties(of: manifest, file: secretsFile)
            secrets = replayed
        }
        return ReadyJob(path: path, text: text, prepared: try PreparedJob.prepare(manifest, secrets: secrets), secretsFile: secretsFile)
    }

    /// Records a ready job as running and executes it.
    public func runNow(_ ready: ReadyJob, progress: JobProgress? = nil) throws -> JobSummary {
        let prepared = ready.prepared
        let id = try insert(Self.record(prepared.manifest, text: ready.text, path: ready.path, status: .queued),
                            manifest: prepared.manifest, secrets: prepared.secrets, replayedFrom: ready.secretsFile)
        let runner = JobRunner(database: database, progress: progress)
        runner.leaseSeconds = leaseSeconds
        runner.faults = faults
        runner.localRecords = localRecords
        runner.stopRequest = stopRequest
        try database.startJob(id: id, worker: runner.worker, leaseSeconds: leaseSeconds)
        return try runner.execute(prepared, jobId: id)
    }

    /// Records a `deployment: agents` job and runs it with its clients on their own machines:
    /// `join` is given the job's id, offers the job to the agents and returns them with their
    /// example counts and the commitments to the roots they made (recorded with the job's own). The orchestrator's own parties get fresh roots (escrowed like any job's under
    /// `randomness: reproducible`); the clients' roots stay with the agents. A job whose agents
    /// refuse or cannot be reached is recorded `failed` with the reason, never left `running`.
    public func runWithAgents(path: String, text: String, manifest: JobManifest, baseDirectory: String? = nil, progress: JobProgress? = nil,
                              join: (Int64) throws -> AgentsJoined) throws -> JobSummary {
        let secrets = JobSecrets.fresh(for: manifest, excludingClients: true)
        let path = URL(fileURLWithPath: path).standardizedFileURL.path
        let id = try insert(Self.record(manifest, text: text, path: path, status: .queued), manifest: manifest, secrets: secrets, replayedFrom: nil)
        let runner = makeRunner(progress: progress)
        try database.startJob(id: id, worker: runner.worker, leaseSeconds: leaseSeconds)
        let prepared = try prepareWithAgents(id, manifest: manifest, secrets: secrets, baseDirectory: baseDirectory, worker: runner.worker,
                                             recorded: nil, join: join)
        return try runner.execute(prepared, jobId: id)
    }

    /// Continues `deployment: agents` job `jobId` from its checkpoint after its orchestrator
    /// stopped (`privfed orchestrator --resume JOB`): the agents join again and accept the job
    /// again, each with the root it committed to when the job started (an agent whose commitment
    /// or example count changed is refused, by name), and the rounds go on from the checkpoint.
    /// - Throws: `ResultsStoreError.leaseHeld` while the old orchestrator's lease is live, unless `force`.
    public func resumeWithAgents(jobId: Int64, force: Bool = false, baseDirectory: String? = nil, progress: JobProgress? = nil,
                                 join: (Int64) throws -> AgentsJoined) throws -> JobSummary {
        let runner = makeRunner(progress: progress)
        let claim = try database.claimJob(id: jobId, worker: runner.worker, force: force, leaseSeconds: leaseSeconds)
        let manifest: JobManifest, secrets: JobSecrets
        do {
            manifest = try recordedManifest(claim.job)
            guard manifest.federation.deployment == .agents else { throw PipelineError.stage("resume", "job \(jobId) is not a deployment: agents job; resume it with `privfed resume`") }
            secrets = try self.secrets(jobId: jobId, manifest: manifest)
        } catch {
            try database.finishJob(id: jobId, status: .failed, error: "\(error)", heldBy: runner.worker)
            throw error
        }
        let prepared = try prepareWithAgents(jobId, manifest: manifest, secrets: secrets, baseDirectory: baseDirectory, worker: runner.worker,
                                             recorded: try database.secretCommitments(jobId: jobId), join: join)
        return try runner.execute(prepared, jobId: jobId, claim: claim)
    }

    func makeRunner(progress: JobProgress?) -> JobRunner {
        let runner = JobRunner(database: database, progress: progress)
        runner.leaseSeconds = leaseSeconds
        runner.localRecords = localRecords
        runner.stopRequest = stopRequest
        return runner
    }

    /// The agents join and accept job `id`; their commitments are recorded (a new job) or must be
    /// the recorded ones (`recorded`, a resumed job). A failure ends the job `failed`.
    func prepareWithAgents(_ id: Int64, manifest: JobManifest, secrets: JobSecrets, baseDirectory: String?, worker: String,
                           recorded: [SecretCommitmentRecord]?, join: (Int64) throws -> AgentsJoined) throws -> PreparedJob {
        do {
            let joined = try join(id)
            if let recorded {
                let before = Dictionary(recorded.map { ($0.party, $0.commitment) }) { first, _ in first }
                for commitment in joined.commitments where before[commitment.party] != commitment.commitment {
                    throw PipelineError.stage("resume", "\(joined.participant(of: commitment.party)) now acts as \(commitment.party) with another root "
                                              + "than it committed to when the job started (its state folder was lost or replaced)")
                }
            } else {
                try database.addSecretCommitments(joined.commitments, jobId: id)
            }
            var prepared = try PreparedJob.prepareForAgents(manifest, secrets: secrets, examples: joined.examples, baseDirectory: baseDirectory)
            if recorded != nil, let shards = try database.partition(jobId: id), shards.map(\.count) != joined.examples {
                throw PipelineError.stage("resume", "the agents now report \(joined.examples) examples; the job started with \(shards.map(\.count))")
            }
            prepared.remoteClients = joined.clients
            return prepared
        } catch {
            try database.finishJob(id: id, status: .failed, error: "set-up: \(error)", heldBy: worker)
            throw error
        }
    }

    /// Refuses a `deployment: agents` manifest where every party would be simulated (`run`,
    /// `submit`, the HTTP API), as a manifest error at the line of `deployment:`.
    static func refuseAgents(_ manifest: JobManifest, text: String, file: String) throws {
        guard manifest.federation.deployment == .agents else { return }
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("deployment:") }.map { $0 + 1 } ?? 1
        throw ManifestError(issues: [ManifestIssue(file: file, line: line, keyPath: "federation.deployment",
                                                   message: PipelineError.needsAgents.description)])
    }

    /// The agents a `deployment: agents` job runs on, as they accepted it.
    public struct AgentsJoined {
        public var clients: any RemoteClients
        /// Examples of client k, as agent k reported them.
        public var examples: [Int]
        /// Each agent's commitment to the root it made for the job, as `client/K`, then each
        /// share-holder's, as `share-holder/H`.
        public var commitments: [SecretCommitmentRecord]

        /// The participant on the link that is `party` (`client/K`, `share-holder/H`).
        func participant(of party: String) -> String {
            switch Party(party) {
            case .client(let k): return clients.agent(of: k)
            case .shareHolder(let h): return clients.shareHolders?.names[h] ?? party
            default: return party
            }
        }

        public init(clients: any RemoteClients, examples: [Int], commitments: [SecretCommitmentRecord]) {
            self.clients = clients; self.examples = examples; self.commitments = commitments
        }
    }

    /// Validates the manifest and queues it with fresh secrets — or, with `secretsFile`, with the
    /// secrets of an earlier job, to replay it on purpose; returns the job id.
    public func submit(path: String, secretsFile: String? = nil) throws -> Int64 {
        let (manifest, text) = try reader.read(path: path)
        try Self.refuseAgents(manifest, text: text, file: path)
        let path = URL(fileURLWithPath: path).standardizedFileURL.path
        var secrets = JobSecrets.fresh(for: manifest)
        if let secretsFile {
            secrets = try SecretsFile.read(secretsFile)
            try secrets.requireParties(of: manifest, file: secretsFile)
        }
        return try insert(Self.record(manifest, text: text, path: path, status: .queued), manifest: manifest,
                          secrets: secrets, replayedFrom: secretsFile)
    }

    /// Validates manifest text that came from no file (the HTTP API's request body) and queues it;
    /// `source` names it in errors (`source:LINE: key: message`) and is recorded as the manifest path;
    /// its dataset is found as `requestDatasets` says.
    public func submit(text: String, source: String) throws -> Int64 {
        let manifest = try reader.parse(text, file: source, relativeTo: requestDatasets?.manifestsDirectory,
                                        defaultDataset: requestDatasets?.defaultDataset)
        if agents == nil { try Self.refuseAgents(manifest, text: text, file: source) }
        return try insert(Self.record(manifest, text: text, path: source, status: .queued), manifest: manifest,
                          secrets: JobSecrets.fresh(for: manifest, excludingClients: manifest.federation.deployment == .agents), replayedFrom: nil)
    }

    /// Takes the next job — a running one whose worker's lease expired (it continues from its
    /// checkpoint), else the oldest queued one — and runs it to the end; nil when there is none.
    /// A job that cannot even start (its manifest no longer validates, its dataset is gone) is
    /// recorded as failed with the reason.
    public func workOnce(worker: String = JobRunner.defaultWorkerName(), progress: JobProgress? = nil) throws -> JobSummary? {
        let reader = self.reader, linked = agents != nil
        let claimable: (String) -> Bool = { text in
            // A manifest that no longer reads is taken, so that its job is failed with the reason.
            guard let manifest = try? reader.parse(text, file: "queued job") else { return true }
            return linked || manifest.federation.deployment == .simulated
        }
        guard let claim = try database.claimNext(worker: worker, leaseSeconds: leaseSeconds, accepts: claimable) else { return nil }
        return try run(claim, worker: worker, progress: progress)
    }

    /// Continues job `jobId` from its last completed round (`privfed resume`); a queued job starts.
    /// - Throws: `ResultsStoreError.jobFinished` for a finished job; `leaseHeld` while another
    ///   worker's lease is live, unless `force`.
    public func resume(jobId: Int64, force: Bool = false, worker: String = JobRunner.defaultWorkerName(),
                       progress: JobProgress? = nil) throws -> JobSummary {
        let claim = try database.claimJob(id: jobId, worker: worker, force: force, leaseSeconds: leaseSeconds)
        return try run(claim, worker: worker, progress: progress)
    }

    /// A recorded job's manifest, its dataset found as when it was submitted: a relative
    /// `dataset.path` from the manifest file's folder, or as `requestDatasets` says for a manifest
    /// that came from a request.
    public func recordedManifest(_ job: JobRecord) throws -> JobManifest {
        if job.manifestPath.hasPrefix("/") {
            return try reader.parse(job.manifestText, file: job.manifestPath, relativeTo: DatasetLocation.directory(ofManifest: job.manifestPath))
        }
        return try reader.parse(job.manifestText, file: job.manifestPath, relativeTo: requestDatasets?.manifestsDirectory,
                                defaultDataset: requestDatasets?.defaultDataset)
    }

    func run(_ claim: LeaseClaim, worker: String, progress: JobProgress?) throws -> JobSummary {
        let job = claim.job, id = job.id!
        let prepared: PreparedJob
        do {
            let manifest = try recordedManifest(job)
            if manifest.federation.deployment == .agents {
                guard let agents else { throw PipelineError.needsAgents }
                // First start: record the agents' commitments; a job taken over: check them.
                let recorded = try database.secretCommitments(jobId: id)
                prepared = try prepareWithAgents(id, manifest: manifest, secrets: try secrets(jobId: id, manifest: manifest), baseDirectory: nil,
                                                 worker: worker, recorded: recorded.contains { $0.party.hasPrefix("client/") } ? recorded : nil) {
                    try agents(manifest, job.manifestText, $0)
                }
            } else {
                prepared = try PreparedJob.prepare(manifest, secrets: try secrets(jobId: id, manifest: manifest),
                                                   recordedShards: try database.partition(jobId: id))
            }
        } catch {
            // (An agents job's set-up has recorded its own failure already.)
            if (try? database.job(id: id))?.status == .running {
                try database.finishJob(id: id, status: .failed, error: "\(error)", heldBy: worker)
            }
            return JobSummary(jobId: id, name: job.name, status: JobStatus.failed.rawValue, roundsCompleted: job.roundsCompleted,
                              roundsPlanned: job.roundsPlanned, accuracy: nil, loss: nil, modelSha256: nil, seconds: 0,
                              error: "\(error)")
        }
        let runner = JobRunner(database: database, worker: worker, progress: progress)
        runner.leaseSeconds = leaseSeconds
        runner.faults = faults
        runner.localRecords = localRecords
        runner.stopRequest = stopRequest
        do {
            return try runner.execute(prepared, jobId: id, claim: claim)
        } catch {
            let record = try database.job(id: id)
            return JobSummary(jobId: id, name: job.name, status: record.status.rawValue, roundsCompleted: record.roundsCompleted,
                              roundsPlanned: record.roundsPlanned, accuracy: nil, loss: nil, modelSha256: nil, seconds: 0,
                              error: record.error ?? "\(error)")
        }
    }
}
