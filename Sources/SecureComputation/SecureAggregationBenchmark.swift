import Randomness

/// The secure-aggregation schemes of the manifest's `secure_aggregation` key.
public enum SecureAggregationScheme: String, Sendable, Codable, CaseIterable {
    /// Additive n-of-n shares to M share-holders (`AdditiveAggregation`).
    case additive
    /// Bonawitz et al. 2017 on the complete graph.
    case secagg
    /// Bell et al. 2020 on a sparse random graph.
    case secaggPlus = "secagg+"
}

/// One timed round of secure aggregation, clients and server simulated in process, for
/// `privfed bench aggregate`.
public enum SecureAggregationBenchmark {
    /// What one benchmark round measured.
    public struct Result: Sendable, Codable, Hashable {
        public let scheme: SecureAggregationScheme
        public let clients: Int
        public let parameters: Int
        public let dropoutRate: Double
        public let threads: Int
        /// Wall-clock seconds for the whole round (all clients and the server).
        public let totalSeconds: Double
        /// CPU seconds over all threads (on a machine shared with other work, `cpuSeconds / threads`
        /// is what the round takes when it has the cores to itself).
        public let cpuSeconds: Double
        /// Seconds of the server's reconstruction (dropout recovery for SecAgg, share-holder sums for additive).
        public let recoverySeconds: Double
        /// Mean bytes sent plus received per client.
        public let bytesPerClient: Double
        /// The largest upload of one client.
        public let maxClientUploadBytes: Int
        /// Bytes the server (aggregator) sent plus received; for additive, the share-holders' traffic.
        public let serverBytes: Int
        /// Neighbours per client (SecAgg/SecAgg+) or share-holders (additive).
        public let neighbors: Int
        /// The Shamir threshold (0 for additive).
        public let threshold: Int
        /// Clients whose inputs are in the sum.
        public let includedClients: Int
        /// Whether the reconstructed sum equals the plaintext sum of the included clients exactly.
        public let exact: Bool
    }

    /// Runs one round on random updates in [−1, 1) and checks the result against the plaintext sum.
    ///
    /// Dropouts: ⌊rate · clients⌉ random clients drop after the share exchange, before uploading
    /// their masked input (the costliest recovery: the server re-derives their pairwise masks).
    /// For `additive` the dropped clients just never send.
    /// - Parameters:
    ///   - holders: share-holders for `additive` (2 or 3).
    ///   - seed: the seed of the reproducible random streams.
    ///   - neighbors: SecAgg+ degree k (even); nil picks it from the dropout rate
    ///     (`SecAggConfiguration.secAggPlus`), with the threshold an honest majority of k + 1.
    /// - Throws: any protocol error (for instance too few survivors at a high dropout rate).
    public static func run(scheme: SecureAggregationScheme, clients: Int, parameters: Int, dropoutRate: Double,
                           threads: Int, holders: Int = 3, fractionalBits: Int = 24, seed: UInt64 = 1,
                           neighbors requestedDegree: Int? = nil) throws -> Result {
        let streams = RandomStreams(seed: seed).scoped("bench/aggregate")
        var inputRandom = streams.generator("inputs")
        let encoding = try FixedPointEncoding(fractionalBits: fractionalBits, maxSummands: clients)
        let inputs: [[UInt64]] = try (0..<clients).map { _ in
            try encoding.encode((0..<parameters).map { _ in inputRandom.nextUnitFloat() * 2 - 1 })
        }
        var dropRandom = streams.generator("dropouts")
        let dropouts = SecAggDropouts.random(clients: clients, rate: dropoutRate, at: .beforeMaskedInput, using: &dropRandom)
        let outcome: SecureAggregationOutcome
        let neighbors: Int, threshold: Int
        switch scheme {
        case .additive:
            let scheme = try AdditiveAggregation(holders: holders, encoding: encoding)
            outcome = try scheme.run(encodedInputs: inputs, dropped: Set(dropouts.points.keys),
                                     streams: streams.scoped("round"), threads: threads)
            (neighbors, threshold) = (holders, 0)
        case .secagg, .secaggPlus:
            let config = scheme == .secagg
                ? try SecAggConfiguration.secAgg(clients: clients, parameters: parameters, fractionalBits: fractionalBits)
                : try SecAggConfiguration.secAggPlus(clients: clients, parameters: parameters, fractionalBits: fractionalBits,
                                                     dropoutRate: dropoutRate, neighbors: requestedDegree)
            outcome = try SecAggRound.run(configuration: config, encodedInputs: inputs, dropouts: dropouts,
                                          streams: streams.scoped("round"), threads: threads)
            (neighbors, threshold) = (config.neighbors, config.threshold)
        }
        let expected = RingVector.sum(outcome.includedClients.map { inputs[$0] }, count: parameters)
        let serverBytes = scheme == .additive
            ? outcome.traffic.shareHolderReceived.reduce(0, +) + outcome.traffic.shareHolderSent.reduce(0, +)
            : outcome.traffic.serverBytes
        return Result(scheme: scheme, clients: clients, parameters: parameters, dropoutRate: dropoutRate, threads: threads,
                      totalSeconds: outcome.totalSeconds, cpuSeconds: outcome.cpuSeconds, recoverySeconds: outcome.recoverySeconds,
                      bytesPerClient: outcome.traffic.meanBytesPerClient, maxClientUploadBytes: outcome.traffic.maxClientSent,
                      serverBytes: serverBytes, neighbors: neighbors, threshold: threshold,
                      includedClients: outcome.includedClients.count, exact: outcome.ringSum == expected)
    }
}
