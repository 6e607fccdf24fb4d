import DifferentialPrivacy
import Randomness
import ResultsStore

/// Client-level DP aggregation (DP-FedAvg, McMahan, Ramage, Talwar, Zhang 2018, Algorithm 1):
/// the sum of the clients' clipped deltas plus the aggregator's N(0, σ²C²) (central DP trusts
/// the aggregator), divided by the expected cohort size q·K = clients_per_round
/// (`releaseNoisyAverage`) — a fixed denominator, so one client's presence changes the sum by at
/// most C. Uniform weights: sample-count weights would
/// let one client's influence exceed C.
///
/// The release is decided by the job's `PrivacyBook` before the noisy model leaves the
/// aggregator; the runner commits the ledger row with the round's status. The row carries the
/// SHA-256 of the released noisy averaged delta (the new model minus the old).
public struct DPFedAvgStage: RoundStage {
    public let name = StageName.aggregate
    public let scope = StageScope.aggregator

    public init() {}

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        let admitted = try state.admitRelease(of: .aggregator)

        let global = state.global.parameters
        var sum = [Float](repeating: 0, count: global.count)
        for update in state.updates {
            guard case .plain(let delta) = update.payload else {
                throw PipelineError.stage(name.rawValue, "DP-FedAvg received a protected update it cannot read")
            }
            for i in sum.indices { sum[i] += delta[i] }
        }
        state.pend(admitted, released: state.releaseNoisyAverage(of: sum, job: job))  // the noisy averaged delta
        return [
            StageMetric("updates", Double(state.updates.count), "count"),
            StageMetric("bytes_received", Double(state.receivedBytes), "bytes"),
            StageMetric("epsilon_spent", admitted.enforcedEpsilonSpent, "epsilon"),
        ]
    }
}
