import Foundation
import Learning
import Logging
import ResultsStore

/// Executes a prepared job round by round and records every stage in the results database.
///
/// Each round's stage runs, metrics and model hash are committed in one transaction when the
/// round ends; a failing stage ends the job as `failed` with its error, the failing round's stage
/// runs written in the same transaction as the job's status. Nothing is left half-written.
public final class JobRunner {
    public let database: ResultsDatabase
    public weak var progress: JobProgress?
    public let worker: String
    /// The privacy monitor: warns once per party when it passes 80% of its budget.
    let monitor = Logger(label: "privfed.privacy-monitor")
    private var warned = Set<String>()

    /// Replaces the stage list (tests inject failing stages through it).
    var stageOverride: (([RoundStage]) -> [RoundStage])?
    /// How long the lease lasts without renewal; the heartbeat renews it every quarter of this.
    public var leaseSeconds = ResultsDatabase.defaultLeaseSeconds
    /// A deterministic crash for the crash-safety tests (`PRIVFED_FAULT_INJECT`); nil in normal use.
    public var faults: FaultInjection?
    /// Where the parties' own records go (metrics the aggregator may not see); nil keeps them
    /// nowhere.
    public var localRecords: LocalRecords?
    /// Set by SIGINT/SIGTERM (`privfed run`, `resume`, `worker`): the job stops at the next stage
    /// boundary and is recorded `interrupted`.
    public var stopRequest: StopRequest?

    public init(database: ResultsDatabase, worker: String = JobRunner.defaultWorkerName(), progress: JobProgress? = nil) {
        self.database = database
        self.worker = worker
        self.progress = progress
    }

    public static func defaultWorkerName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// The stages of a round, in order, as the manifest lists them.
    public static func stages(for manifest: JobManifest) -> [RoundStage] {
        let p = manifest.privacy
        let exampleDP = p.differentialPrivacy && p.unit == .example
        let clientDP = p.differentialPrivacy && p.unit == .client
        return manifest.stages.compactMap { name -> RoundStage? in
            switch name {
            case .selectClients: return clientDP ? PoissonSelectClientsStage() : SelectClientsStage()
            case .localTrain:
                if manifest.federation.deployment == .agents { return RemoteTrainStage() }
                if exampleDP { return DPSGDLocalTrainStage() }
                return LocalTrainStage()
            case .aggregate:
                // The round's protocol sums; `decrypt` or `reconstruct` opens the sum where the manifest has one.
                return AggregateStage(releases: !manifest.stages.contains(.decrypt) && !manifest.stages.contains(.reconstruct))
            case .share, .encrypt: return ProtectStage(name)
            case .reconstruct, .decrypt: return ReleaseStage(name)
            case .evaluate: return EvaluateStage()
            case .secureEvaluate: return SecureEvaluateStage()
            }
        }
    }

    /// Runs every round of `job` (already recorded as `jobId` and held by this runner's worker):
    /// from round 1, or — when the job has a checkpoint (its previous worker died) — from the round
    /// after it (see `RoundStart`). `claim` says how the job was taken (recorded with a resumption).
    ///
    /// Every write is fenced by the lease (`heldBy: worker`): a runner whose job was taken over or
    /// cancelled stops at its next write with `leaseLost`, having written nothing. The lease is
    /// renewed between stages (`LeaseHeartbeat`), so a slow round is not mistaken for a dead worker.
    ///
    /// A write that finds the database locked by another process retries with backoff
    /// (`ResultsDatabase.lockRetry`); past that limit the job is ended as failed with a message
    /// saying so, never left `running`.
    @discardableResult
    public func execute(_ job: PreparedJob, jobId: Int64, claim: LeaseClaim? = nil) throws -> JobSummary {
        do {
            return try executeRounds(job, jobId: jobId, claim: claim)
        } catch let error where LockRetry.gaveUp(error) {
            // Recording the end is worth more waiting than a round: up to three more limits.
            for attempt in 1...3 where (try? database.job(id: jobId))?.status == .running {
                do {
                    try database.finishJob(id: jobId, status: .failed, error: lockedMessage, heldBy: worker)
                } catch let again where LockRetry.gaveUp(again) && attempt < 3 {
                    continue
                }
            }
            progress?.finished()
            throw PipelineError.databaseLocked(lockedMessage)
        }
    }

    /// Why a job stopped when its database stayed locked past `ResultsDatabase.lockRetry`.
    var lockedMessage: String {
        "the results database \(database.path) stayed locked by another process for more than \(database.lockRetry) "
            + "(privfed retried with backoff), so the job was stopped"
    }

    private func executeRounds(_ job: PreparedJob, jobId: Int64, claim: LeaseClaim?) throws -> JobSummary {
        let manifest = job.manifest
        let clock = ContinuousClock.now
        let stages = stageOverride?(Self.stages(for: manifest)) ?? Self.stages(for: manifest)
        var heartbeat = LeaseHeartbeat(database: database, jobId: jobId, worker: worker, leaseSeconds: leaseSeconds)
        let reproducible = manifest.randomness == .reproducible

        var start: RoundStart
        if let checkpoint = try database.checkpoint(jobId: jobId) {
            do {
                start = try RoundStart.resume(from: checkpoint, job: job, jobId: jobId, database: database, worker: worker, claim: claim)
            } catch {
                try database.finishJob(id: jobId, status: .failed, error: "cannot resume from round \(checkpoint.round): \(error)", heldBy: worker)
                throw error
            }
        } else {
            start = RoundStart.fresh(job)
            var setup = RoundRecordBatch(round: 0, selectedClients: [], startedAt: job.setupRuns.first?.startedAt ?? Timestamp.now(),
                                         finishedAt: Timestamp.now())
            setup.stageRuns = job.setupRuns
            setup.metrics = job.setupMetrics
            setup.artifacts = [ArtifactRecord(round: 0, kind: "global_model", sha256: Digest.sha256Hex(floats: job.initialParameters),
                                              bytes: job.initialParameters.count * 4)]
            try database.commitRound(jobId: jobId, setup, leaseSeconds: leaseSeconds, heldBy: worker) { db in
                try ResultsDatabase.writePartition(job.shards, jobId: jobId, db: db)
                try ResultsDatabase.writeDatasetFiles(job.datasetFiles, jobId: jobId, db: db)
                try ResultsDatabase.writeCheckpoint(JobCheckpoint(round: 0, learningRate: start.learningRate, parameters: start.parameters),
                                                    jobId: jobId, db: db)
                // The audit's mask is fixed before any training, in the same transaction as the
                // checkpoint: a resumed job can never lack its commitment.
                if let canaries = job.canaries {
                    try ResultsDatabase.writeCanaryCommitment(canaries.commitmentRecord, jobId: jobId, db: db)
                }
                self.faults?.strike(round: 0, at: .inCommit)
            }
            faults?.strike(round: 0, at: .afterCommit)
        }
        if start.nextRound <= manifest.federation.rounds {
            progress?.started(job: jobId, name: manifest.name, rounds: start.nextRound...manifest.federation.rounds)
        }

        let protects = manifest.privacy.protectsClients
        let hidesCohort = manifest.privacy.hidesCohort
        var parameters = start.parameters
        var learningRate = start.learningRate
        var clipNorm = start.clipNorm
        var privacy = start.privacy
        var protection = start.protection
        var parties = start.parties
        var last = start.last
        for round in stride(from: start.nextRound, through: manifest.federation.rounds, by: 1) {
            var state = RoundState(round: round, global: GlobalModelMessage(round: round, parameters: parameters), learningRate: learningRate,
                                   parties: parties)
            state.privacy = privacy
            state.protection = protection
            state.clipNorm = clipNorm
            var batch = RoundRecordBatch(round: round, selectedClients: [], startedAt: Timestamp.now(), finishedAt: "")
            var kept: [(owner: String, metric: MetricRecord)] = []
            var released = false
            /// The network boundary: a noisy release is passed on only once its spend is on the
            /// ledger, with the round marked released. A round re-executed in reproducible mode
            /// makes the same releases again: they are checked against the ledger, not appended twice.
            func commitPendingReleases() throws {
                guard !state.pendingLedger.isEmpty else { return }
                let first = !released
                try database.commitRelease(jobId: jobId, round: round, selectedClients: hidesCohort ? [] : state.selectedClients,
                                           startedAt: batch.startedAt, entries: state.pendingLedger, heldBy: worker,
                                           reuseRecorded: reproducible) { _ in
                    if first { self.faults?.strike(round: round, at: .inRelease) }
                }
                if first { faults?.strike(round: round, at: .afterRelease) }
                released = true
                for entry in state.pendingLedger where entry.enforcedEpsilonSpent >= 0.8 * entry.budgetEpsilon {
                    if warned.insert(entry.party).inserted {
                        let message = "\(entry.party) has spent ε = \(String(format: "%.3f", entry.enforcedEpsilonSpent)) of its budget "
                            + "\(entry.budgetEpsilon) (\(Int(100 * entry.enforcedEpsilonSpent / entry.budgetEpsilon))%) after round \(round)"
                        if let progress { progress.warning(message) } else { monitor.warning("\(message)") }
                    }
                }
                state.pendingLedger = []
            }
            /// Files a stage's metrics: the aggregator's in the database, a party's own in its local record.
            func file(_ metrics: [StageMetric], stage: StageName, client: Int?) -> [MetricRecord] {
                var visible: [MetricRecord] = []
                for m in metrics {
                    let record = MetricRecord(round: round, stage: stage.rawValue, client: client, name: m.name, value: m.value, unit: m.unit)
                    switch (protects, m.owner) {
                    case (false, _), (true, .aggregator): visible.append(record)
                    case (true, .client):
                        guard let client else { preconditionFailure("a client metric from an aggregator stage") }
                        kept.append((Party.client(client).description, record))
                    case (true, .simulator): kept.append(("simulator", record))
                    }
                }
                return visible
            }
            do {
                for stage in stages {
                    faults?.strike(round: round, at: .beforeStage(stage.name.rawValue))
                    // Cancellation (`privfed serve`'s POST /api/jobs/{id}/cancel) takes effect between stages.
                    if try database.isCancelled(jobId: jobId) { throw PipelineError.cancelled }
                    if let signal = stopRequest?.signal { throw PipelineError.interrupted(signal: signal) }
                    try heartbeat.beat()
                    // What every party knows before the stage's first client acts.
                    let stageStarted = Timestamp.now()
                    let planClock = ContinuousClock.now
                    func planRun(_ error: (any Error)?) -> StageRunRecord {
                        StageRunRecord(round: round, stage: stage.name.rawValue, client: nil, startedAt: stageStarted,
                                       durationMs: planClock.duration(to: .now).milliseconds, succeeded: error == nil, error: error.map { "\($0)" })
                    }
                    let planned: [StageMetric]
                    do { planned = try stage.plan(&state, job: job) } catch {
                        if stage.recordsPlan { batch.stageRuns.append(planRun(error)) }
                        throw error
                    }
                    if stage.recordsPlan { batch.stageRuns.append(planRun(nil)) }
                    try commitPendingReleases()
                    batch.metrics += file(planned, stage: stage.name, client: nil)
                    let clients: [Int?] = stage.scope == .perClient ? state.selectedClients.map { $0 } : [nil]
                    let anonymous = hidesCohort && stage.scope == .perClient
                    var cohort = CohortTotals()
                    for client in clients {
                        try heartbeat.beat()
                        let started = Timestamp.now()
                        let t0 = ContinuousClock.now
                        do {
                            var metrics = try stage.run(&state, client: client, job: job)
                            try commitPendingReleases()
                            if !state.outbox.isEmpty {
                                metrics.append(StageMetric("bytes_sent", Double(try state.deliverOutbox(via: job.transport)), "bytes"))
                            }
                            let run = StageRunRecord(round: round, stage: stage.name.rawValue, client: client, startedAt: started,
                                                     durationMs: t0.duration(to: .now).milliseconds, succeeded: true)
                            let visible = file(metrics, stage: stage.name, client: client)
                            if anonymous {
                                cohort.add(durationMs: run.durationMs, metrics: visible)
                            } else {
                                batch.stageRuns.append(run)
                                batch.metrics += visible
                            }
                            if stage.name == .evaluate {
                                last = (metrics.first { $0.name == "accuracy" }?.value, metrics.first { $0.name == "loss" }?.value)
                            }
                        } catch {
                            batch.stageRuns.append(StageRunRecord(round: round, stage: stage.name.rawValue, client: anonymous ? nil : client,
                                                                  startedAt: started, durationMs: t0.duration(to: .now).milliseconds,
                                                                  succeeded: false, error: "\(error)"))
                            throw error
                        }
                        if let client, stage.name == .localTrain { progress?.clientFinished(round: round, client: client, of: state.selectedClients.count) }
                    }
                    if let totals = cohort.records(round: round, stage: stage.name, startedAt: stageStarted) {
                        batch.stageRuns.append(totals.run)
                        batch.metrics += totals.metrics
                    }
                }
            } catch {
                if case ResultsStoreError.leaseLost = error {
                    progress?.finished()
                    throw error  // another worker holds the job now: write nothing
                }
                batch.selectedClients = hidesCohort ? [] : state.selectedClients
                batch.finishedAt = Timestamp.now()
                batch.uploads = state.uploads
                if case PipelineError.interrupted(let signal) = error {
                    // Like a crash at a stage boundary, but recorded: the round in progress is
                    // discarded (its releases, if any, stay on the ledger) and the job resumes
                    // from its checkpoint at once.
                    let completed = round - 1
                    try database.interruptJob(id: jobId, reason: "interrupted by \(StopRequest.name(signal)) during round \(round); "
                                              + "resume continues after round \(completed)", heldBy: worker)
                    progress?.finished()
                    return JobSummary(jobId: jobId, name: manifest.name, status: JobStatus.interrupted.rawValue, roundsCompleted: completed,
                                      roundsPlanned: manifest.federation.rounds, accuracy: last.accuracy, loss: last.loss,
                                      modelSha256: Digest.sha256Hex(floats: parameters),
                                      seconds: clock.duration(to: .now).milliseconds / 1000, error: "\(error)")
                }
                if case PipelineError.cancelled = error {
                    try database.finishJob(id: jobId, status: .cancelled, error: "round \(round): \(error)")
                } else if case PipelineError.budgetExhausted(let blocked) = error {
                    batch.status = "budget_exhausted"
                    try database.finishJob(id: jobId, status: .budgetExhausted, error: "round \(round): \(error)", partialRound: batch,
                                           ledger: [blocked], heldBy: worker)
                } else {
                    batch.status = "failed"
                    let reason = LockRetry.gaveUp(error) ? lockedMessage : "\(error)"
                    try database.finishJob(id: jobId, status: .failed, error: "round \(round): \(reason)", partialRound: batch, heldBy: worker)
                }
                progress?.finished()
                throw error
            }
            privacy = state.privacy
            protection = state.protection
            parties = state.parties
            guard let next = state.nextParameters else {
                throw PipelineError.stage("aggregate", "round \(round) produced no model")
            }
            parameters = next
            learningRate *= manifest.federation.learningRateDecay
            if let next = state.nextClipNorm { clipNorm = next }
            batch.selectedClients = hidesCohort ? [] : state.selectedClients
            batch.finishedAt = Timestamp.now()
            batch.uploads = state.uploads
            batch.artifacts = [ArtifactRecord(round: round, kind: "global_model", sha256: Digest.sha256Hex(floats: parameters),
                                              bytes: parameters.count * 4)]
            // The round, its new HE keys and the checkpoint to resume from: one transaction.
            let keys = protection.unrecordedKeys
            let checkpoint = JobCheckpoint(round: round, learningRate: learningRate, parameters: parameters, heEpoch: protection.keyEpoch)
            try database.commitRound(jobId: jobId, batch, leaseSeconds: leaseSeconds, heldBy: worker) { db in
                try ResultsDatabase.insertHEKeys(keys, jobId: jobId, db: db)
                try ResultsDatabase.writeCheckpoint(checkpoint, jobId: jobId, db: db)
                self.faults?.strike(round: round, at: .inCommit)
            }
            protection.markKeysRecorded()
            try localRecords?.append(kept, jobId: jobId)
            heartbeat.renewed()
            faults?.strike(round: round, at: .afterCommit)
            progress?.roundFinished(round: round, of: manifest.federation.rounds, accuracy: last.accuracy)
        }
        try job.canaries?.reveal(finalParameters: parameters, job: job, round: manifest.federation.rounds, database: database, jobId: jobId)
        try database.finishJob(id: jobId, status: .succeeded, heldBy: worker)
        progress?.finished()
        return JobSummary(jobId: jobId, name: manifest.name, status: JobStatus.succeeded.rawValue, roundsCompleted: manifest.federation.rounds,
                          roundsPlanned: manifest.federation.rounds, accuracy: last.accuracy, loss: last.loss,
                          modelSha256: Digest.sha256Hex(floats: parameters), seconds: clock.duration(to: .now).milliseconds / 1000,
                          error: nil)
    }
}
