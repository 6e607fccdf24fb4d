import HomomorphicEncryption

/// Stage `aggregate` of an HE job: the aggregator sums the clients' ciphertexts and applies the
/// FedAvg weights as plaintext integer scalars (`HESetup.integerWeights`; the division by Σ w_k is
/// exact, after decryption), never seeing a plaintext. Under client-level DP the weights are
/// uniform and the divisor is clients_per_round, as in `CentralDPFedAvg`.
extension HomomorphicAggregation {
    public mutating func aggregate(_ state: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        if state.cohortIsEmpty(job: job) {
            pendingAggregate = nil
            return state.receivedMetrics  // nothing was uploaded
        }
        let stage = StageName.aggregate.rawValue
        guard !state.updates.isEmpty, let key = current else {
            throw PipelineError.stage(stage, "round \(state.round) has no encrypted updates to aggregate")
        }
        if job.remoteClients != nil, setup.resharing != nil {
            // With agents under DP + HE + MPC an agent may drop after training: the round sums at
            // least its quorum, as additive sharing does.
            let quorum = SecureAggregationRoundState.agentsQuorum(job.manifest)
            guard state.updates.count >= quorum else {
                throw PipelineError.stage(stage, "round \(state.round): \(state.updates.count) agents uploaded, fewer than the \(quorum) a round needs")
            }
        }
        let codec = setup.codec
        var vectors: [EncryptedVector] = []
        for update in state.updates {
            guard case .encrypted(let e) = update.payload else {
                throw PipelineError.stage(stage, "client \(update.client) sent an unencrypted update")
            }
            guard e.keyID == key.keyID else {
                throw PipelineError.stage(stage, "client \(update.client) encrypted under key \(String(e.keyID, radix: 16)), not the epoch's")
            }
            vectors.append(try codec.receive(e.ciphertexts, count: e.valueCount))
        }
        let counts = state.updates.map(\.sampleCount)
        let weights = setup.clientLevelDP ? counts.map { _ in 1 } : setup.integerWeights(counts)
        let weightSum = weights.reduce(0, +)
        let divisor = setup.clientLevelDP ? Double(job.manifest.federation.clientsPerRound) : Double(weightSum)
        var weightError = 0.0
        if !setup.clientLevelDP {
            let total = Double(counts.reduce(0, +))
            for (w, n) in zip(weights, counts) { weightError = max(weightError, abs(Double(w) / Double(weightSum) - Double(n) / total)) }
        }
        pendingAggregate = (try codec.weightedSum(vectors, weights: weights, threads: job.manifest.threads), divisor)
        return state.receivedMetrics + [
            StageMetric("weight_sum", Double(weightSum), "count"),
            StageMetric("fedavg_weight_error", weightError, "abs"),
        ]
    }
}
