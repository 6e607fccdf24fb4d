import SecureComputation

/// Stage `reconstruct` (aggregator): opens the sum of the surviving clients' inputs — the holders'
/// partial sums added (additive) or the SecAgg server's unmasked sum — decodes it from fixed point
/// and turns it into the round's model: Δ = Σ_survivors n_k·δ_k / Σ_survivors n_k, which is
/// plaintext FedAvg over the survivors (weights are public sample counts). Under client-level DP
/// the sum already carries the clients' noise shares and is divided by clients_per_round, as
/// DP-FedAvg does. The aggregator never holds an individual update, only this sum. A
/// client-level DP round with an empty Poisson cohort releases the aggregator's noise alone
/// (`releaseEmptyCohortNoise`).
extension SecureSum {
    public mutating func release(_ state: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        guard let round else {
            if state.cohortIsEmpty(job: job) {
                // The release was admitted in `share`'s plan, before the round could open anything.
                _ = state.releaseEmptyCohortNoise(job: job)
                return [StageMetric("survivors", 0, "count"), StageMetric("weight_total", Double(job.manifest.federation.clientsPerRound), "count"),
                        .emptyCohortNoise]
            }
            throw PipelineError.stage(StageName.reconstruct.rawValue, "round \(state.round) has nothing to reconstruct (no client was selected)")
        }
        let plan = round.plan, view = round.aggregatorView
        let ring: [UInt64]
        switch plan.scheme {
        case .additive:
            ring = try AdditiveAggregation(holders: plan.holders, encoding: plan.encoding).reconstructRing(view.partialSums)
        case .secagg, .secaggPlus:
            guard let sum = view.ringSum else { throw PipelineError.stage(StageName.reconstruct.rawValue, "the SecAgg server produced no sum") }
            ring = sum
        case .none:
            preconditionFailure("reconstruct without secure aggregation")
        }
        guard !view.includedClients.isEmpty else {
            throw SecureComputationError.tooFewSurvivors(stage: "reconstruction", survivors: 0, threshold: 1)
        }
        let p = job.manifest.privacy
        let clientDP = p.differentialPrivacy && p.unit == .client
        let denominator = clientDP ? Double(job.manifest.federation.clientsPerRound)
            : Double(view.includedClients.reduce(0) { $0 + job.shards[$1].count })
        let sum = plan.encoding.decode(ring)
        let global = state.global.parameters
        var delta = [Float](repeating: 0, count: global.count)
        var next = [Float](repeating: 0, count: global.count)
        for i in global.indices {
            let average = sum[i] / denominator
            delta[i] = Float(average)
            next[i] = Float(Double(global[i]) + average)
        }
        state.aggregateDelta = delta
        state.nextParameters = next
        return [
            StageMetric("survivors", Double(view.includedClients.count), "count"),
            StageMetric("weight_total", denominator, "count"),
        ]
    }
}
