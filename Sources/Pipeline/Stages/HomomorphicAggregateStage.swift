import HomomorphicEncryption

/// The aggregator sums the clients' ciphertexts and applies the FedAvg weights as plaintext
/// integer scalars (`HESetup.integerWeights`; the division by Σ w_k is exact, after
/// decryption), never seeing a plaintext. Under client-level DP the weights are uniform and the
/// divisor is clients_per_round, as in `DPFedAvgStage`.
public struct HomomorphicAggregateStage: RoundStage {
    public let name = StageName.aggregate
    public let scope = StageScope.aggregator

    public init() {}

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        guard var he = state.he else { preconditionFailure("aggregate of an HE job needs its HE state") }
        if state.cohortIsEmpty(job: job) {
            he.aggregate = nil
            state.he = he
            return [StageMetric("updates", 0, "count"), StageMetric("bytes_received", 0, "bytes")]
        }
        guard !state.updates.isEmpty, let key = he.current else {
            throw PipelineError.stage(name.rawValue, "round \(state.round) has no encrypted updates to aggregate")
        }
        let codec = he.setup.codec
        var vectors: [EncryptedVector] = []
        for update in state.updates {
            guard case .encrypted(let e) = update.payload else {
                throw PipelineError.stage(name.rawValue, "client \(update.client) sent an unencrypted update")
            }
            guard e.keyID == key.keyID else {
                throw PipelineError.stage(name.rawValue, "client \(update.client) encrypted under key \(String(e.keyID, radix: 16)), not the epoch's")
            }
            vectors.append(try codec.receive(e.ciphertexts, count: e.valueCount))
        }
        let counts = state.updates.map(\.sampleCount)
        let weights = he.setup.clientLevelDP ? counts.map { _ in 1 } : he.setup.integerWeights(counts)
        let weightSum = weights.reduce(0, +)
        let divisor = he.setup.clientLevelDP ? Double(job.manifest.federation.clientsPerRound) : Double(weightSum)
        var weightError = 0.0
        if !he.setup.clientLevelDP {
            let total = Double(counts.reduce(0, +))
            for (w, n) in zip(weights, counts) { weightError = max(weightError, abs(Double(w) / Double(weightSum) - Double(n) / total)) }
        }
        let sum = try codec.weightedSum(vectors, weights: weights, threads: job.manifest.threads)
        he.aggregate = (sum, divisor)
        state.he = he
        return [
            StageMetric("updates", Double(vectors.count), "count"),
            StageMetric("bytes_received", Double(state.receivedBytes), "bytes"),
            StageMetric("weight_sum", Double(weightSum), "count"),
            StageMetric("fedavg_weight_error", weightError, "abs"),
        ]
    }
}
