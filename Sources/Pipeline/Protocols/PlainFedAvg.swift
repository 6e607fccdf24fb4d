/// Federated averaging (McMahan et al. 2017, Algorithm 1) with nothing protected: each client's
/// delta travels as it is, and the new global model is the old one plus the average of the deltas
/// weighted by their sample counts, n_k / Σ n_k. Accumulates in Double in client order, so the
/// result does not depend on threads.
public struct PlainFedAvg: UnprotectedUploads {
    /// The weighted average, from `aggregate` to `release` (both in the `aggregate` stage).
    var average: [Double]?

    public init() {}

    public mutating func aggregate(_ round: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        let total = round.updates.reduce(0) { $0 + $1.sampleCount }
        var sum = [Double](repeating: 0, count: round.global.parameters.count)
        for update in round.updates {
            let delta = try update.plainDelta(for: "FedAvg")
            let weight = total > 0 ? Double(update.sampleCount) / Double(total) : 0
            for i in sum.indices { sum[i] += weight * Double(delta[i]) }
        }
        average = sum
        return round.receivedMetrics
    }

    public mutating func release(_ round: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        guard let sum = average else { preconditionFailure("FedAvg releases after aggregate") }
        round.aggregateDelta = sum.map { Float($0) }
        round.nextParameters = zip(round.global.parameters, sum).map { Float(Double($0) + $1) }
        average = nil
        return []
    }
}

extension ClientUpdateMessage {
    /// The plain delta of an update a mode without protection received.
    /// - Throws: `PipelineError.stage` (aggregate) for a protected payload the mode cannot read.
    func plainDelta(for mode: String) throws -> [Float] {
        guard case .plain(let delta) = payload else {
            throw PipelineError.stage(StageName.aggregate.rawValue, "\(mode) received a protected update it cannot read")
        }
        return delta
    }
}
