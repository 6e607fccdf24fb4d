import DifferentialPrivacy
import Learning
import Randomness
import ResultsStore

/// Example-level DP: a client's local training by DP-SGD (Abadi et al. 2016, Algorithm 1, with
/// Opacus' conventions). Each step samples every example of the client's shard independently
/// with probability q = B / n (Poisson, as the accounting assumes), clips each example's gradient
/// to C in flat L2 norm, adds N(0, σ²C²) to the sum and divides by the expected batch size q·n.
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

        let fed = job.manifest.federation
        let shard = job.shards[client]
        let shape = plan.parties[Party.client(client).description]!
        let configuration = try DPSGDConfiguration(samplingRate: shape.samplingRate, noiseMultiplier: plan.noiseMultiplier,
                                                   maxGradNorm: plan.maxGradNorm, datasetSize: shard.count)
        let own = job.streams(.client(client))
        var sampling = own.generator("round/\(state.round)/sampling")
        var noise = own.generator("round/\(state.round)/noise")
        let engine = GradientEngine(architecture: job.architecture, threads: job.manifest.threads,
                                    batchCapacity: Int(configuration.expectedBatchSize * 1.5) + 8)
        let optimizer = SGD(learningRate: Float(state.learningRate), momentum: Float(fed.momentum))
        var parameters = state.global.parameters
        var velocity = [Float](repeating: 0, count: fed.momentum == 0 ? 0 : parameters.count)
        var lossSum = 0.0, examples = 0
        for _ in 0..<shape.stepsPerRound {
            let step = DPSGDStep.run(configuration: configuration, parameterCount: parameters.count, sampling: &sampling, noise: &noise) { batch in
                let local = batch.map { shard[$0] }
                let sum = engine.clippedGradientSum(parameters: parameters, data: job.train, indices: local,
                                                    maxGradNorm: Float(plan.maxGradNorm))
                lossSum += sum.lossSum
                examples += sum.count
                return DifferentialPrivacy.ClippedGradientSum(gradientSum: sum.gradientSum, count: sum.count)
            }
            optimizer.step(parameters: &parameters, gradient: step.noisyGradient, velocity: &velocity)
        }
        var delta = parameters
        for i in delta.indices { delta[i] -= state.global.parameters[i] }
        let (message, sent) = try InProcessTransport.carry(
            ClientUpdateMessage(client: client, round: state.round, sampleCount: shard.count, payload: .plain(delta)))
        state.updates.append(message)
        state.pend(admitted, released: delta)  // the bytes this client releases
        return [
            StageMetric("samples", Double(shard.count), "count"),
            StageMetric("dp_steps", Double(shape.stepsPerRound), "count"),
            StageMetric.clientPrivate("mean_batch_size", Double(examples) / Double(max(shape.stepsPerRound, 1)), "count"),
            StageMetric.clientPrivate("train_loss", examples > 0 ? lossSum / Double(examples) : 0, "nats"),
            StageMetric("epsilon_spent", admitted.enforcedEpsilonSpent, "epsilon"),
            StageMetric("bytes_received", Double(state.global.wireBytes), "bytes"),
            StageMetric("bytes_sent", Double(sent), "bytes"),
        ]
    }
}
