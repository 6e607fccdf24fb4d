import DifferentialPrivacy
import Learning
import Randomness

/// A client's local training: starting from the broadcast global model, `local_epochs` of
/// minibatch SGD over the client's shard (shuffled on stream `round/R/shuffle` of the client's own root), then the
/// model delta is handed over as an update message (`RoundState.handOver`: sent by the runner,
/// or kept on the device for `encrypt` / `share`). Under client-level DP the delta
/// is first clipped to the round's L2 norm C_t (`RoundState.clipNorm`), bounding any one client's
/// influence on the sum; under adaptive clipping the update carries whether it fit (`unclipped`).
public struct LocalTrainStage: RoundStage {
    public let name = StageName.localTrain
    public let scope = StageScope.perClient

    public init() {}

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        guard let client else { preconditionFailure("local_train runs per client") }
        let device = state.parties.clients[client]
        let shard = device.shard
        let broadcast = try job.transport.deliver(state.global, from: .aggregator, to: .client(client))
        let result = LocalUpdate.plain(architecture: job.architecture, global: broadcast.message.parameters, data: job.train, indices: shard,
                                       federation: job.manifest.federation, learningRate: state.learningRate,
                                       threads: job.manifest.threads, streams: device.streams, round: state.round)
        var delta = result.delta
        var metrics: [StageMetric] = []
        var unclipped: Bool?
        if let clip = state.clipNorm {
            let norm = DPFedAvg.clipUpdate(&delta, maxNorm: clip)
            metrics.append(StageMetric.clientPrivate("update_norm", norm, "l2"))
            if job.privacyPlan?.adaptiveClipping != nil { unclipped = norm <= clip }
        }
        state.handOver(ClientUpdateMessage(client: client, round: state.round, sampleCount: shard.count, payload: .plain(delta),
                                           unclipped: unclipped), job: job)
        return metrics + [
            StageMetric("samples", Double(shard.count), "count"),
            StageMetric.clientPrivate("train_loss", result.meanLoss, "nats"),
            StageMetric("bytes_received", Double(broadcast.bytes), "bytes"),
        ]
    }
}
