/// Federated averaging (McMahan et al. 2017, Algorithm 1): the new global model is the old one
/// plus the average of the client deltas weighted by their sample counts, n_k / Σ n_k.
/// Accumulates in Double in client order, so the result does not depend on threads.
public struct FedAvgStage: RoundStage {
    public let name = StageName.aggregate
    public let scope = StageScope.aggregator

    public init() {}

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        let global = state.global.parameters
        let total = state.updates.reduce(0) { $0 + $1.sampleCount }
        var sum = [Double](repeating: 0, count: global.count)
        for update in state.updates {
            guard case .plain(let delta) = update.payload else {
                throw PipelineError.stage(StageName.aggregate.rawValue, "FedAvg received a protected update it cannot read")
            }
            let weight = total > 0 ? Double(update.sampleCount) / Double(total) : 0
            for i in sum.indices { sum[i] += weight * Double(delta[i]) }
        }
        state.aggregateDelta = sum.map { Float($0) }
        state.nextParameters = zip(global, sum).map { Float(Double($0) + $1) }
        return [
            StageMetric("updates", Double(state.updates.count), "count"),
            StageMetric("bytes_received", Double(state.receivedBytes), "bytes"),
        ]
    }
}
