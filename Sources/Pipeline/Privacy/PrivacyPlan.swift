import DifferentialPrivacy

/// How a DP job will spend its budget, fixed before the first round.
///
/// Unit `example` (DP-SGD inside each client, Abadi et al. 2016): client c holding n_c examples
/// samples each example with probability q_c = B / n_c per step and runs
/// ⌈n_c / B⌉ · local_epochs steps per round. Its planned spend assumes it takes part in every
/// round (selection by the aggregator is not counted as amplification — conservative).
///
/// Unit `client` (DP-FedAvg, McMahan et al. 2018): every client is included independently with
/// probability q = clients_per_round / clients each round (Poisson), one release per round.
///
/// σ is the manifest's `noise_multiplier`, or else the smallest σ for which every party's planned
/// spend meets the budget under the manifest's accountant. A plan whose projected ε exceeds the
/// budget is refused before the job starts.
public struct PrivacyPlan: Sendable, Equatable {
    public struct Party: Sendable, Equatable {
        public var name: String
        public var samplingRate: Double
        public var stepsPerRound: Int
        /// Examples the party samples from (its shard; clients for the aggregator).
        public var populationSize: Int
        public var projectedEpsilon: Double
    }

    public var unit: PrivacyUnit
    public var noiseMultiplier: Double
    public var calibrated: Bool
    public var maxGradNorm: Double
    public var delta: Double
    public var budget: Double
    public var accountant: AccountantKind
    public var rounds: Int
    public var parties: [String: Party]
    /// Client-level DP with `privacy.adaptive_clipping`: the clip follows the update norms'
    /// quantile from C_1 = `maxGradNorm`; σ stays the accounted one (`AdaptiveClipping`).
    public var adaptiveClipping: AdaptiveClipping? = nil

    /// The noise multiplier of the update sum: σ, or σ_Δ > σ when part of the budget pays for
    /// adaptive clipping's count (`AdaptiveClipping.updateNoiseMultiplier`).
    public var updateNoiseMultiplier: Double {
        adaptiveClipping?.updateNoiseMultiplier(accounted: noiseMultiplier) ?? noiseMultiplier
    }

    /// The largest projected ε over parties.
    public var projectedEpsilon: Double { parties.values.map(\.projectedEpsilon).max() ?? 0 }

    /// Example-level DP-SGD at a client of `examples` examples: q = B / n and
    /// ⌈n / B⌉ · local_epochs steps per round. The plan and an agent computing its own spend
    /// (issue 14) both use this, so they agree on what a round costs.
    public static func exampleShape(_ fed: FederationSettings, examples n: Int) -> (samplingRate: Double, steps: Int) {
        (min(1, Double(fed.batchSize) / Double(n)), fed.localEpochs * ((n + fed.batchSize - 1) / fed.batchSize))
    }

    public static let defaultDelta = 1e-5
    public static let defaultMaxGradNorm = 1.0

    public static func make(_ manifest: JobManifest, shardSizes: [Int]) throws -> PrivacyPlan {
        let p = manifest.privacy, fed = manifest.federation
        let accountant: AccountantKind = p.accountant == .rdp ? .rdp : .pld
        let delta = p.delta ?? defaultDelta
        let budget = p.epsilon ?? 0
        let clip = p.maxGradNorm ?? defaultMaxGradNorm

        // (name, q, steps per round, population) for every party that releases noisy output.
        var shapes: [(String, Double, Int, Int)] = []
        switch p.unit {
        case .example:
            for (client, n) in shardSizes.enumerated() {
                guard n > 0 else { continue }
                let shape = exampleShape(fed, examples: n)
                shapes.append(("client/\(client)", shape.samplingRate, shape.steps, n))
            }
        case .client:
            let q = Double(fed.clientsPerRound) / Double(manifest.dataset.clients)
            shapes.append(("aggregator", q, 1, manifest.dataset.clients))
        }

        let smallest = p.unit == .client ? manifest.dataset.clients : (shapes.map { $0.3 }.min() ?? 0)
        if let reason = DeltaBound.refusal(delta: delta, population: smallest, unit: p.unit) { throw PrivacyPlanError.deltaTooLarge(reason: reason) }

        func projected(_ sigma: Double, _ q: Double, _ steps: Int) throws -> Double {
            let history = [try SubsampledGaussianSteps(samplingRate: q, noiseMultiplier: sigma, steps: steps * fed.rounds)]
            return try PrivacySpend(entries: history).epsilon(delta: delta, accountant: accountant).epsilon
        }

        var sigma: Double
        let calibrated = p.noiseMultiplier == nil
        if let given = p.noiseMultiplier {
            sigma = given
        } else {
            // ε grows with q·steps; calibrate once per distinct shape and keep the largest σ.
            sigma = 0
            var seen = Set<String>()
            for (_, q, steps, _) in shapes where seen.insert("\(q)|\(steps)").inserted {
                let s = try NoiseCalibration.noiseMultiplier(targetEpsilon: budget, delta: delta, samplingRate: q,
                                                            steps: steps * fed.rounds, accountant: accountant)
                sigma = max(sigma, s)
            }
        }
        var parties: [String: Party] = [:]
        var cache: [String: Double] = [:]
        for (name, q, steps, n) in shapes {
            let key = "\(q)|\(steps)"
            let eps = try cache[key] ?? projected(sigma, q, steps)
            cache[key] = eps
            parties[name] = Party(name: name, samplingRate: q, stepsPerRound: steps, populationSize: n, projectedEpsilon: eps)
        }
        var plan = PrivacyPlan(unit: p.unit, noiseMultiplier: sigma, calibrated: calibrated, maxGradNorm: clip, delta: delta,
                               budget: budget, accountant: accountant, rounds: fed.rounds, parties: parties)
        if let adaptive = p.adaptiveClipping {
            let estimator = AdaptiveClipping(
                targetQuantile: adaptive.targetQuantile, learningRate: adaptive.learningRate,
                countStandardDeviation: adaptive.countStddev ?? AdaptiveClipping.defaultCountStandardDeviation(expectedCohort: fed.clientsPerRound))
            guard estimator.updateNoiseMultiplier(accounted: sigma) != nil else {
                throw PrivacyPlanError.countNoiseTooSmall(countStddev: estimator.countStandardDeviation, noiseMultiplier: sigma)
            }
            plan.adaptiveClipping = estimator
        }
        if plan.projectedEpsilon > budget * (1 + 1e-9) {
            let worst = parties.values.max { $0.projectedEpsilon < $1.projectedEpsilon }!
            throw PrivacyPlanError.budgetTooSmall(projected: plan.projectedEpsilon, budget: budget, party: worst.name,
                                                  noiseMultiplier: sigma, rounds: fed.rounds)
        }
        return plan
    }
}

public enum PrivacyPlanError: Error, CustomStringConvertible, Equatable {
    case budgetTooSmall(projected: Double, budget: Double, party: String, noiseMultiplier: Double, rounds: Int)
    /// δ ≥ 1/n for the partition the job got (`DeltaBound`).
    case deltaTooLarge(reason: String)
    /// Adaptive clipping's count noise σ_b with 2σ_b ≤ σ: the count alone would exceed the budget.
    case countNoiseTooSmall(countStddev: Double, noiseMultiplier: Double)

    public var description: String {
        switch self {
        case .deltaTooLarge(let reason):
            return "privacy.delta: " + reason
        case .countNoiseTooSmall(let countStddev, let sigma):
            return "privacy.adaptive_clipping.count_stddev: \(countStddev) is too small for noise_multiplier \(sigma): the count of unclipped updates "
                + "and the update sum share one budget, σ⁻² = σ_Δ⁻² + (2·count_stddev)⁻², so count_stddev must exceed σ/2 = \(sigma / 2); "
                + "raise it (Andrew et al. use clients_per_round / 20)"
        case .budgetTooSmall(let projected, let budget, let party, let sigma, let rounds):
            return "privacy.epsilon: the planned spend exceeds the budget — \(rounds) rounds at noise_multiplier \(sigma) project ε = \(String(format: "%.4f", projected)) for \(party), above the budget ε = \(budget); raise noise_multiplier, lower rounds, or remove noise_multiplier to calibrate it to the budget"
        }
    }
}
