import DifferentialPrivacy
import Randomness
import SecureComputation

/// The public plan of one round of secure aggregation, fixed by the round's first `share` call
/// and known to every party: who takes part, who drops out (simulated), the fixed-point encoding,
/// the SecAgg graph and threshold, and how the sum is turned into the new model.
public struct SecureAggregationRoundPlan: Sendable {
    public let scheme: SecureAggregationName
    /// The round's selected clients, ascending; SecAgg id j is `clients[j]`.
    public let clients: [Int]
    /// Clients that (in this simulation) vanish before their input reaches the sum.
    public let dropped: Set<Int>
    public let encoding: FixedPointEncoding
    /// Share-holders M (additive only).
    public let holders: Int
    /// The SecAgg / SecAgg+ parameters (threshold t, degree k); nil for additive.
    public let configuration: SecAggConfiguration?
    /// Client-level DP: how many noise shares are guaranteed to reach the sum; each client adds
    /// N(0, σ²C²/parties), so the reconstructed sum carries at least the central noise σC.
    public let noiseParties: Int?

    /// 24 fractional bits: a step of 6·10⁻⁸, below float32 resolution for the weighted updates.
    public static let fractionalBits = 24
}

/// What a round of secure aggregation carries between `share`, `aggregate` and `reconstruct`,
/// grouped by the party that holds it. Aggregator stages read only `aggregatorView`; client
/// inputs and share-holder inboxes are the other parties' private state, simulated in process.
public struct SecureAggregationRoundState: Sendable {
    public let plan: SecureAggregationRoundPlan
    /// Client devices (secagg): each client's weighted fixed-point input, kept on the client
    /// until the SecAgg protocol run by `aggregate` masks it.
    var clientInputs: [Int: [UInt64]] = [:]
    /// Share-holders (additive): the shares each holder received, holder by holder.
    var holderInboxes: [[AdditiveShareMessage]]
    /// What the aggregator receives: the holders' partial sums (additive) or the unmasked ring
    /// sum (secagg), and whose inputs they contain.
    public internal(set) var aggregatorView = AggregatorView()

    public struct AggregatorView: Sendable {
        public internal(set) var partialSums: [PartialSumMessage] = []
        public internal(set) var ringSum: [UInt64]?
        public internal(set) var includedClients: [Int] = []
    }

    init(plan: SecureAggregationRoundPlan) {
        self.plan = plan
        self.holderInboxes = Array(repeating: [], count: plan.scheme == .additive ? plan.holders : 0)
    }

    /// Plans the round: draws the simulated dropouts (stream `round/R/secure-aggregation/dropouts`,
    /// ⌊rate·n⌉ of the n selected clients, uniformly) and builds the scheme's parameters.
    /// - Throws: the library's `invalidParameters` (for instance a threshold above n).
    static func plan(for state: RoundState, job: PreparedJob) throws -> SecureAggregationRoundPlan {
        let p = job.manifest.privacy
        let clients = state.selectedClients.sorted()
        let n = clients.count
        let rate = p.dropoutRate ?? 0
        let dropCount = min(n, Int((rate * Double(n)).rounded()))
        var generator = job.streams.generator("round/\(state.round)/secure-aggregation/dropouts")
        var pool = clients
        for i in 0..<dropCount { pool.swapAt(i, i + Int(generator.nextBelow(UInt64(n - i)))) }
        let dropped = Set(pool.prefix(dropCount))
        let parameters = state.global.parameters.count
        let encoding = try FixedPointEncoding(fractionalBits: SecureAggregationRoundPlan.fractionalBits, maxSummands: max(n, 1))
        var configuration: SecAggConfiguration?
        switch p.secureAggregation {
        case .secagg:
            configuration = try .secAgg(clients: n, parameters: parameters, fractionalBits: SecureAggregationRoundPlan.fractionalBits,
                                        threshold: p.threshold)
        case .secaggPlus:
            configuration = try .secAggPlus(clients: n, parameters: parameters, fractionalBits: SecureAggregationRoundPlan.fractionalBits,
                                            dropoutRate: rate, threshold: p.threshold)
        case .additive, .none:
            configuration = nil
        }
        let clientDP = p.differentialPrivacy && p.unit == .client
        // Only shares that reach the sum count towards its noise: t for SecAgg (fewer survivors
        // abort the round), the clients that do not drop for additive sharing.
        let noiseParties = clientDP ? (configuration?.threshold ?? (n - dropCount)) : nil
        return SecureAggregationRoundPlan(scheme: p.secureAggregation, clients: clients, dropped: dropped, encoding: encoding,
                                          holders: p.shareHolders ?? 3, configuration: configuration, noiseParties: noiseParties)
    }
}
