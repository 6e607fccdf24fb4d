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
                if exampleDP { return DPSGDLocalTrainStage() }
                return LocalTrainStage(clipUpdateTo: clientDP ? (p.maxGradNorm ?? PrivacyPlan.defaultMaxGradNorm) : nil)
            case .aggregate:
                // HE (also with MPC, where the share-holders decrypt): the homomorphic sum.
                if p.homomorphicEncryption { return HomomorphicAggregateStage() }
                // Secure aggregation: the share-holders' sums / the SecAgg protocol; `reconstruct` makes the model.
                if p.secureAggregation != .none { return SecureSumStage() }
                return clientDP ? DPFedAvgStage() : FedAvgStage()
            case .share: return ShareStage()
            case .reconstruct: return ReconstructStage()
            case .encrypt: return EncryptStage()
            case .decrypt: return DecryptStage()
            case .evaluate: return EvaluateStage()
            case .secureEvaluate: return SecureEvaluateStage()
            }
        }
    }

    /// Runs every round of `job` (already recorded as `jobId` and marked running).
    @discardableResult
    public func execute(_ job: PreparedJob, jobId: Int64) throws -> JobSummary {
        let manifest = job.manifest
        let clock = ContinuousClock.now
        let stages = stageOverride?(Self.stages(for: manifest)) ?? Self.stages(for: manifest)
        progress?.started(job: jobId, name: manifest.name, totalSteps: manifest.federation.rounds * manifest.federation.clientsPerRound)

        var setup = RoundRecordBatch(round: 0, selectedClients: [], startedAt: job.setupRuns.first?.startedAt ?? Timestamp.now(),
                                     finishedAt: Timestamp.now())
        setup.stageRuns = job.setupRuns
        setup.metrics = job.setupMetrics
        setup.artifacts = [ArtifactRecord(round: 0, kind: "global_model", sha256: Digest.sha256Hex(floats: job.initialParameters),
                                          bytes: job.initialParameters.count * 4)]
        try database.commitRound(jobId: jobId, setup)

        var parameters = job.initialParameters
        var learningRate = manifest.federation.learningRate
        var privacy = job.privacyPlan.map { PrivacyBook(plan: $0) }
        var he = job.heSetup.map { HEJobState(setup: $0) }
        var last: (accuracy: Double?, loss: Double?) = (nil, nil)
        for round in 1...manifest.federation.rounds {
            var state = RoundState(round: round, global: GlobalModelMessage(round: round, parameters: parameters), learningRate: learningRate)
            state.privacy = privacy
            state.he = he
            var batch = RoundRecordBatch(round: round, selectedClients: [], startedAt: Timestamp.now(), finishedAt: "")
            do {
                for stage in stages {
                    let clients: [Int?] = stage.scope == .perClient ? state.selectedClients.map { $0 } : [nil]
                    for client in clients {
                        let started = Timestamp.now()
                        let t0 = ContinuousClock.now
                        do {
                            let metrics = try stage.run(&state, client: client, job: job)
                            if !state.pendingLedger.isEmpty {
                                // The network boundary: a noisy release is passed on only once its
                                // spend is on the ledger, with the round marked released.
                                try database.commitRelease(jobId: jobId, round: round, selectedClients: state.selectedClients,
                                                           startedAt: batch.startedAt, entries: state.pendingLedger)
                                for entry in state.pendingLedger where entry.enforcedEpsilonSpent >= 0.8 * entry.budgetEpsilon {
                                    if warned.insert(entry.party).inserted {
                                        monitor.warning("\(entry.party) has spent ε = \(String(format: "%.3f", entry.enforcedEpsilonSpent)) of its budget \(entry.budgetEpsilon) (\(Int(100 * entry.enforcedEpsilonSpent / entry.budgetEpsilon))%) after round \(round)")
                                    }
                                }
                                state.pendingLedger = []
                            }
                            batch.stageRuns.append(StageRunRecord(round: round, stage: stage.name.rawValue, client: client, startedAt: started,
                                                                  durationMs: t0.duration(to: .now).milliseconds, succeeded: true))
                            batch.metrics += metrics.map {
                                MetricRecord(round: round, stage: stage.name.rawValue, client: client, name: $0.name, value: $0.value, unit: $0.unit)
                            }
                            if stage.name == .evaluate {
                                last = (metrics.first { $0.name == "accuracy" }?.value, metrics.first { $0.name == "loss" }?.value)
                            }
                        } catch {
                            batch.stageRuns.append(StageRunRecord(round: round, stage: stage.name.rawValue, client: client, startedAt: started,
                                                                  durationMs: t0.duration(to: .now).milliseconds, succeeded: false,
                                                                  error: "\(error)"))
                            throw error
                        }
                        if let client, stage.name == .localTrain { progress?.clientFinished(round: round, client: client) }
                    }
                }
            } catch {
                batch.selectedClients = state.selectedClients
                batch.finishedAt = Timestamp.now()
                if case PipelineError.budgetExhausted(let blocked) = error {
                    batch.status = "budget_exhausted"
                    try database.finishJob(id: jobId, status: .budgetExhausted, error: "round \(round): \(error)", partialRound: batch,
                                           ledger: [blocked])
                } else {
                    batch.status = "failed"
                    try database.finishJob(id: jobId, status: .failed, error: "round \(round): \(error)", partialRound: batch)
                }
                progress?.finished()
                throw error
            }
            privacy = state.privacy
            he = state.he
            guard let next = state.nextParameters else {
                throw PipelineError.stage("aggregate", "round \(round) produced no model")
            }
            parameters = next
            batch.selectedClients = state.selectedClients
            batch.finishedAt = Timestamp.now()
            batch.artifacts = [ArtifactRecord(round: round, kind: "global_model", sha256: Digest.sha256Hex(floats: parameters),
                                              bytes: parameters.count * 4)]
            try database.commitRound(jobId: jobId, batch)
            if let keys = he?.unrecordedKeys, !keys.isEmpty {
                try database.insertHEKeys(keys, jobId: jobId)
                he?.markKeysRecorded()
            }
            progress?.roundFinished(round: round, of: manifest.federation.rounds, accuracy: last.accuracy)
            learningRate *= manifest.federation.learningRateDecay
        }
        try database.finishJob(id: jobId, status: .succeeded)
        progress?.finished()
        return JobSummary(jobId: jobId, name: manifest.name, status: JobStatus.succeeded.rawValue, roundsCompleted: manifest.federation.rounds,
                          roundsPlanned: manifest.federation.rounds, accuracy: last.accuracy, loss: last.loss,
                          modelSha256: Digest.sha256Hex(floats: parameters), seconds: clock.duration(to: .now).milliseconds / 1000,
                          error: nil)
    }
}
