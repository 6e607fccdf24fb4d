import DifferentialPrivacy
import Randomness

/// DP-FedAvg's release at the aggregator (McMahan, Ramage, Talwar, Zhang 2018, Algorithm 1):
/// (Σ clipped deltas + N(0, σ²C²)) / clients_per_round, the noise on stream
/// `round/R/aggregate/noise` of the aggregator's own root.
///
/// Two rounds use it: every round of central client-level DP (`CentralDPFedAvg`), and a round of
/// distributed client-level DP (HE or secure aggregation) whose Poisson cohort came out empty.
/// The accounting charges every round, empty or not, and holds only if each release is
/// distributed as N(0, σ²C²)/(q·K) around the cohort's sum; with no client to add a noise share,
/// nobody but the aggregator can add it. That round holds no client's data, so the aggregator's
/// trust is that of the central mode for the model's observers and nothing for the clients.
extension RoundState {
    /// Whether this is a client-level DP round whose Poisson cohort is empty.
    func cohortIsEmpty(job: PreparedJob) -> Bool {
        job.manifest.privacy.hidesCohort && selectedClients.isEmpty
    }

    /// Makes `sum` plus the aggregator's N(0, σ²C²), divided by clients_per_round, the round's
    /// model delta and next model; returns the delta as released. C is the round's clip, and σ
    /// the update's multiplier (σ_Δ under adaptive clipping, `PrivacyPlan.updateNoiseMultiplier`).
    mutating func releaseNoisyAverage(of sum: [Float], job: PreparedJob) -> [Float] {
        guard let plan = job.privacyPlan else { preconditionFailure("DP-FedAvg needs a privacy plan") }
        var released = sum
        var noise = parties.aggregator.generator("round/\(round)/aggregate/noise")
        DPFedAvg.addCentralNoise(to: &released, noiseMultiplier: plan.updateNoiseMultiplier, maxNorm: clipNorm ?? plan.maxGradNorm, using: &noise)
        let denominator = Float(job.manifest.federation.clientsPerRound)
        for i in released.indices { released[i] /= denominator }
        aggregateDelta = released
        nextParameters = zip(global.parameters, released).map { $0 + $1 }
        return released
    }

    /// An empty cohort's release: the aggregator's noise alone (see the type's comment).
    mutating func releaseEmptyCohortNoise(job: PreparedJob) -> [Float] {
        releaseNoisyAverage(of: [Float](repeating: 0, count: global.parameters.count), job: job)
    }
}

extension StageMetric {
    /// Marks the round whose release was the aggregator's noise alone (an empty Poisson cohort
    /// under distributed DP); the `mpc_security` audit reads it.
    static let emptyCohortNoise = StageMetric("empty_cohort_noise", 1, "count")
}
