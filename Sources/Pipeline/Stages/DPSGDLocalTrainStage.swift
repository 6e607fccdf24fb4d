import DifferentialPrivacy
import Learning
import Randomness
import ResultsStore

/// Example-level DP: a client's local training by DP-SGD (`DPSGDClientTraining`) on its shard,
/// q = B / n for the shard's n examples.
///
/// The release is decided by the job's `PrivacyBook` before training: within budget, the round's
/// spend goes into the pending ledger and the runner commits it before the update is handed to
/// the aggregator; over budget, the stage throws `budgetExhausted` and nothing leaves the client.
/// The entry carries the SHA-256 of the noisy delta the client releases, so a re-execution that
/// releases other bytes is refused by the runner's ledger commit.
/// Streams: `round/R/sampling` and `round/R/noise` of client C's own secret root.
public struct DPSGDLocalTrainStage: RoundStage {
    public let name = StageName.localTrain
    public let scope = StageScope.perClient

    public init() {}

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        guard let client, let plan = job.privacyPlan else { preconditionFailure("DP-SGD runs per client with a privacy plan") }
        let admitted = try state.admitRelease(of: .client(client))

        let device = state.parties.clients[client]
        let shard = device.shard
        let shape = plan.parties[Party.client(client).description]!
        let configuration = try DPSGDConfiguration(samplingRate: shape.samplingRate, noiseMultiplier: plan.noiseMultiplier,
                                                   maxGradNorm: plan.maxGradNorm, datasetSize: shard.count)
        let broadcast = try job.transport.deliver(state.global, from: .aggregator, to: .client(client))
        let (delta, result) = LocalUpdate.dpsgd(architecture: job.architecture, global: broadcast.message.parameters, data: job.train,
                                                indices: shard, configuration: configuration, steps: shape.stepsPerRound,
                                                federation: job.manifest.federation, privacy: job.manifest.privacy,
                                                learningRate: state.learningRate,
                                                threads: job.manifest.threads, streams: device.streams, round: state.round)
        state.pend(admitted, released: delta)  // the bytes this client releases
        state.handOver(ClientUpdateMessage(client: client, round: state.round, sampleCount: shard.count, payload: .plain(delta)), job: job)
        return [
            StageMetric("samples", Double(shard.count), "count"),
            StageMetric("dp_steps", Double(shape.stepsPerRound), "count"),
            StageMetric.clientPrivate("mean_batch_size", Double(result.examples) / Double(max(shape.stepsPerRound, 1)), "count"),
            StageMetric.clientPrivate("train_loss", result.meanLoss, "nats"),
            StageMetric("epsilon_spent", admitted.enforcedEpsilonSpent, "epsilon"),
            StageMetric("bytes_received", Double(broadcast.bytes), "bytes"),
        ]
    }
}
