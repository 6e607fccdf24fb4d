import Randomness
import Crypto

/// The server of a SecAgg / SecAgg+ round (Bonawitz et al. 2017, figure 4, "Server"): routes
/// messages, sums masked inputs and, from the unmasking shares of at least t clients, removes
/// the self masks of survivors and the pairwise masks of clients that dropped after sharing.
///
/// It is honest-but-curious: it sees public keys, ciphertexts of shares, masked inputs and, in
/// the last round, either the self-mask seed or the masking key of each client — never both,
/// which is what keeps every individual input hidden (the security tests check the masked view).
/// The clients enforce that, not this server: each keeps a `SecAggRevealRecord` and refuses a
/// request for the other kind of a peer's share, so sending several unmasking requests gains a
/// curious server nothing (Bonawitz et al. 2017, section 4, Round 4).
public struct SecAggServer: Sendable {
    public let configuration: SecAggConfiguration
    public let graph: SecAggGraph
    /// U1: clients that advertised keys.
    public private(set) var advertised: [Int: SecAggPublicKeys] = [:]
    /// U2: clients that sent their encrypted shares.
    public private(set) var shared: Set<Int> = []
    /// U3: clients whose masked input arrived.
    public private(set) var uploaded: [Int] = []
    var maskedSum: [UInt64]

    public init(configuration: SecAggConfiguration, graph: SecAggGraph) {
        self.configuration = configuration
        self.graph = graph
        self.maskedSum = [UInt64](repeating: 0, count: configuration.parameters)
    }

    func requireThreshold(_ count: Int, stage: String) throws {
        guard count >= configuration.threshold else {
            throw SecureComputationError.tooFewSurvivors(stage: stage, survivors: count, threshold: configuration.threshold)
        }
    }

    /// Round 0: collects U1 and returns each advertiser the keys of its advertising neighbours.
    /// - Throws: `tooFewSurvivors` if |U1| < t.
    public mutating func collectKeys(_ messages: [SecAggPublicKeys]) throws -> [Int: SecAggKeyDirectory] {
        for m in messages {
            guard (0..<configuration.clients).contains(m.client), m.encryptionKey.count == 32, m.maskingKey.count == 32 else {
                throw SecureComputationError.malformedMessage("bad key advertisement from client \(m.client)")
            }
            advertised[m.client] = m
        }
        try requireThreshold(advertised.count, stage: "advertise keys")
        var out: [Int: SecAggKeyDirectory] = [:]
        for u in advertised.keys {
            out[u] = SecAggKeyDirectory(keys: graph.neighbors[u].compactMap { advertised[$0] })
        }
        return out
    }

    /// Round 1: collects U2 and routes each encrypted share to its holder.
    /// - Throws: `tooFewSurvivors` if |U2| < t.
    public mutating func routeShares(_ messages: [SecAggShareKeysMessage]) throws -> [Int: [SecAggEncryptedShare]] {
        shared = Set(messages.map(\.client))
        try requireThreshold(shared.count, stage: "share keys")
        var routed: [Int: [SecAggEncryptedShare]] = [:]
        for u in shared { routed[u] = [] }
        for m in messages {
            for share in m.shares where share.from == m.client && shared.contains(share.to) {
                routed[share.to]!.append(share)
            }
        }
        return routed
    }

    /// Round 2: adds the masked inputs of U3 and returns the unmasking request.
    /// - Throws: `tooFewSurvivors` if |U3| < t, `disconnectedSurvivors` if U3 splits the graph (an
    ///   honest server stops: unmasking would reveal partial sums), `lengthMismatch`,
    ///   `malformedMessage` for inputs of clients that did not share keys.
    public mutating func collectMaskedInputs(_ messages: [SecAggMaskedInput]) throws -> SecAggUnmaskingRequest {
        for m in messages {
            guard shared.contains(m.client) else {
                throw SecureComputationError.malformedMessage("masked input from client \(m.client), which did not share keys")
            }
            guard m.maskedInput.count == configuration.parameters else {
                throw SecureComputationError.lengthMismatch(expected: configuration.parameters, got: m.maskedInput.count)
            }
            RingVector.add(m.maskedInput, into: &maskedSum)
        }
        uploaded = messages.map(\.client).sorted()
        try requireThreshold(uploaded.count, stage: "masked input collection")
        let survivors = Set(uploaded)
        let components = graph.components(among: survivors)
        guard components == 1 else { throw SecureComputationError.disconnectedSurvivors(components: components) }
        return SecAggUnmaskingRequest(survivors: uploaded, dropped: shared.filter { !survivors.contains($0) }.sorted())
    }

    /// Round 4: reconstructs the secrets and returns Σ_{u ∈ U3} x_u in Z_(2^64).
    ///
    /// For u ∈ U3 it reconstructs b_u and subtracts PRG(b_u); for u ∈ U2 \ U3 it reconstructs
    /// s_u^SK (checked against u's advertised public key) and, for each neighbour v ∈ U3, removes
    /// the mask Δ_{v,u} PRG(s_{v,u}) that v added. Mask expansions run on `threads` threads in a
    /// fixed split.
    /// - Throws: `tooFewSurvivors` if fewer than t clients answered, `secretUnrecoverable` when a
    ///   client's secret has fewer than t shares among the answers (a sparse neighbourhood lost too
    ///   many), `malformedMessage` when a reconstructed key does not match its public key.
    public func unmask(_ responses: [SecAggUnmaskingResponse], threads: Int = 1) throws -> [UInt64] {
        try requireThreshold(responses.count, stage: "unmasking")
        let shamir = try ShamirSecretSharing(threshold: configuration.threshold)
        let survivors = Set(uploaded)
        let dropped = shared.filter { !survivors.contains($0) }.sorted()
        func shares(of owner: Int, _ pick: (SecAggUnmaskingResponse) -> ShamirShare?, name: String) throws -> [ShamirShare] {
            let found = responses.compactMap(pick)
            guard found.count >= configuration.threshold else {
                throw SecureComputationError.secretUnrecoverable(client: owner, secret: name, available: found.count, threshold: configuration.threshold)
            }
            return found
        }
        enum Removal { case selfMask([UInt8]); case pairwise(secret: [UInt8], owner: Int, peer: Int) }
        var work: [Removal] = []
        for u in uploaded {
            let seed = try shamir.reconstructBytes(shares(of: u, { $0.selfMaskSeedShares[u] }, name: "self-mask seed"), count: 32)
            work.append(.selfMask(seed))
        }
        for u in dropped {
            let secret = try shamir.reconstructBytes(shares(of: u, { $0.maskingKeyShares[u] }, name: "masking key"), count: 32)
            guard let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: secret),
                  Array(key.publicKey.rawRepresentation) == advertised[u]?.maskingKey else {
                throw SecureComputationError.malformedMessage("the reconstructed masking key of client \(u) does not match its public key")
            }
            for v in graph.neighbors[u] where survivors.contains(v) {
                work.append(.pairwise(secret: secret, owner: u, peer: v))
            }
        }
        let items = SendableBox(work)
        let keys = advertised
        let removed = try FixedSplit.accumulate(work.count, length: configuration.parameters, threads: threads) { range, acc in
            for item in items.value[range] {
                switch item {
                case let .selfMask(seed):
                    ChaCha20Keystream(key: seed).apply(.add, to: &acc)
                case let .pairwise(secret, u, v):
                    let seed = try SecAggKeyDerivation.pairwiseMaskSeed(rawSecret: secret, peer: keys[v]!.maskingKey, u, v)
                    // v added +PRG if v < u, −PRG otherwise; `acc` collects what to subtract.
                    ChaCha20Keystream(key: seed).apply(v < u ? .add : .subtract, to: &acc)
                }
            }
        }
        var sum = maskedSum
        RingVector.subtract(removed, from: &sum)
        return sum
    }
}
