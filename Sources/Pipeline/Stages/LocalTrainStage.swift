import DifferentialPrivacy
import Learning
import Randomness

/// A client's local training: starting from the broadcast global model, `local_epochs` of
/// minibatch SGD over the client's shard (shuffled on stream `round/R/shuffle` of the client's own root), then the
/// model delta is sent to the aggregator as an update message. Under client-level DP the delta
/// is first clipped to L2 norm C (`clipUpdateTo`), bounding any one client's influence on the sum.
public struct LocalTrainStage: RoundStage {
    public let name = StageName.localTrain
    public let scope = StageScope.perClient
    public let clipUpdateTo: Double?

    public init(clipUpdateTo: Double? = nil) { self.clipUpdateTo = clipUpdateTo }

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        guard let client else { preconditionFailure("local_train runs per client") }
        let fed = job.manifest.federation
        var generator = job.streams(.client(client)).generator("round/\(state.round)/shuffle")
        let shard = job.shards[client]
        let result = ClientTraining.train(architecture: job.architecture, parameters: state.global.parameters,
                                          data: job.train, indices: shard, epochs: fed.localEpochs, batchSize: fed.batchSize,
                                          learningRate: Float(state.learningRate), momentum: Float(fed.momentum),
                                          threads: job.manifest.threads, generator: &generator)
        var delta = result.parameters
        let global = state.global.parameters
        for i in delta.indices { delta[i] -= global[i] }
        var metrics: [StageMetric] = []
        if let clip = clipUpdateTo {
            let norm = DPFedAvg.clipUpdate(&delta, maxNorm: clip)
            metrics.append(StageMetric.clientPrivate("update_norm", norm, "l2"))
        }
        let (message, sent) = try InProcessTransport.carry(
            ClientUpdateMessage(client: client, round: state.round, sampleCount: shard.count, payload: .plain(delta)))
        state.updates.append(message)
        return metrics + [
            StageMetric("samples", Double(shard.count), "count"),
            StageMetric.clientPrivate("train_loss", result.meanLoss, "nats"),
            StageMetric("bytes_received", Double(state.global.wireBytes), "bytes"),
            StageMetric("bytes_sent", Double(sent), "bytes"),
        ]
    }
}
