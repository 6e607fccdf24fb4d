/// Client-level DP with a trusted aggregator (DP-FedAvg, McMahan, Ramage, Talwar, Zhang 2018,
/// Algorithm 1): the sum of the clients' clipped deltas plus the aggregator's N(0, σ²C²), divided
/// by the expected cohort size q·K = clients_per_round (`releaseNoisyAverage`) — a fixed
/// denominator, so one client's presence changes the sum by at most C. Uniform weights:
/// sample-count weights would let one client's influence exceed C.
///
/// The release is decided by the job's `PrivacyBook` before the noisy model leaves the
/// aggregator; the runner commits the ledger row with the round's status. The row carries the
/// SHA-256 of the released noisy averaged delta (the new model minus the old).
public struct CentralDPFedAvg: UnprotectedUploads {
    /// The clipped deltas' sum, from `aggregate` to `release` (both in the `aggregate` stage).
    var sum: [Float]?

    public init() {}

    public mutating func aggregate(_ round: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        var total = [Float](repeating: 0, count: round.global.parameters.count)
        for update in round.updates {
            let delta = try update.plainDelta(for: "DP-FedAvg")
            for i in total.indices { total[i] += delta[i] }
        }
        sum = total
        return round.receivedMetrics
    }

    public mutating func release(_ round: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        guard let total = sum else { preconditionFailure("DP-FedAvg releases after aggregate") }
        let admitted = try round.admitRelease(of: .aggregator)
        round.pend(admitted, released: round.releaseNoisyAverage(of: total, job: job))  // the noisy averaged delta
        sum = nil
        return [StageMetric("epsilon_spent", admitted.enforcedEpsilonSpent, "epsilon")]
    }
}
