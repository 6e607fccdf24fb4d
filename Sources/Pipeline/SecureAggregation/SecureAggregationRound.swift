import DifferentialPrivacy
import Randomness
import SecureComputation

/// The public plan of one round of secure aggregation, fixed by `share`'s `plan` before any client
/// shares, and known to every party: who takes part, who drops out (simulated), the fixed-point encoding,
/// the SecAgg graph and threshold, and how the sum is turned into the new model.
public struct SecureAggregationRoundPlan: Sendable {
    public let scheme: SecureAggregationName
    /// The round's selected clients, ascending; SecAgg id j is `clients[j]`.
    public let clients: [Int]
    /// Clients that (in this simulation) vanish before their input reaches the sum.
    public let dropouts: RoundDropouts
    public var dropped: Set<Int> { dropouts.dropped }
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

/// What a round of secure aggregation carries at the aggregator between `share`, `aggregate` and
/// `reconstruct`: the public plan and what it received. The clients' SecAgg inputs and the
/// share-holders' inboxes are on their own devices (`ClientDevice.secAggInput`,
/// `ShareHolderDevice.inbox`).
public struct SecureAggregationRoundState: Sendable {
    public let plan: SecureAggregationRoundPlan
    /// What the aggregator receives: the holders' partial sums (additive) or the unmasked ring
    /// sum (secagg), and whose inputs they contain.
    public internal(set) var aggregatorView = AggregatorView()

    public struct AggregatorView: Sendable {
        public internal(set) var partialSums: [PartialSumMessage] = []
        public internal(set) var ringSum: [UInt64]?
        public internal(set) var includedClients: [Int] = []
    }

    init(plan: SecureAggregationRoundPlan) { self.plan = plan }

    /// The SecAgg / SecAgg+ parameters of a round of `n` clients (nil for additive sharing): the
    /// degree and threshold for the rate the graph is designed for — the manifest's rate, or with
    /// named dropouts the largest share of clients_per_round named in any round (the same for every
    /// round). The orchestrator plans with it, and an agent recomputes it from its own copy of the
    /// manifest to check the setup it is sent.
    public static func configuration(clients n: Int, parameters: Int, privacy p: PrivacySettings, clientsPerRound: Int) throws -> SecAggConfiguration? {
        let bits = SecureAggregationRoundPlan.fractionalBits
        switch p.secureAggregation {
        case .secagg:
            return try .secAgg(clients: n, parameters: parameters, fractionalBits: bits, threshold: p.threshold)
        case .secaggPlus:
            let rate = GuaranteedSurvivors.designRate(privacy: p, clientsPerRound: clientsPerRound)
            return try .secAggPlus(clients: n, parameters: parameters, fractionalBits: bits, dropoutRate: rate, threshold: p.threshold)
        case .additive, .none:
            return nil
        }
    }

    /// With agents, the fewest clients a round of additive sharing may sum: the round's quorum
    /// (`min_clients`, else `clients_per_round`), at least 2 and the threshold. The orchestrator
    /// fails a round below it, and each share-holder, reading its own copy of the manifest,
    /// refuses to sum fewer — a sum over one client is that client's update.
    public static func agentsQuorum(_ manifest: JobManifest) -> Int {
        let fed = manifest.federation
        return max(2, manifest.privacy.threshold ?? 2, fed.minClients ?? fed.clientsPerRound)
    }

    /// Plans the round: the simulated dropouts (`RoundDropouts`: drawn by `dropout_rate` or named
    /// in `dropouts`) and the scheme's parameters.
    /// - Throws: the library's `invalidParameters` (for instance a threshold above n).
    static func plan(for state: RoundState, job: PreparedJob) throws -> SecureAggregationRoundPlan {
        let p = job.manifest.privacy
        // With agents the round's members are the clients that hold a trained update on their
        // machines (`RoundState.heldAtAgents`); who then drops is real, not planned.
        let members = job.remoteClients == nil ? state.selectedClients : state.selectedClients.filter { state.heldAtAgents[$0] != nil }
        let dropouts = RoundDropouts.plan(round: state.round, selected: members, privacy: p, streams: job.publicStreams)
        let clients = dropouts.selected
        let n = clients.count
        let perRound = job.manifest.federation.clientsPerRound
        let parameters = state.global.parameters.count
        let encoding = try FixedPointEncoding(fractionalBits: SecureAggregationRoundPlan.fractionalBits, maxSummands: max(n, 1))
        let configuration = try Self.configuration(clients: n, parameters: parameters, privacy: p, clientsPerRound: perRound)
        let clientDP = p.differentialPrivacy && p.unit == .client
        // The round guarantees m survivors or fails; the noise is sized for m (never for the
        // dropouts that then happen). SecAgg aborts below t itself; additive sharing checks here.
        let guaranteed = GuaranteedSurvivors.count(selected: n, privacy: p, clientsPerRound: perRound, configuration: configuration)
        if p.secureAggregation == .additive && dropouts.survivors.count < guaranteed {
            throw dropouts.tooFewSurvivors(stage: .share, threshold: guaranteed)
        }
        let noiseParties = clientDP ? guaranteed : nil
        return SecureAggregationRoundPlan(scheme: p.secureAggregation, clients: clients, dropouts: dropouts, encoding: encoding,
                                          holders: p.effectiveShareHolders, configuration: configuration, noiseParties: noiseParties)
    }
}
