import Crypto
import Randomness

/// One client of a SecAgg / SecAgg+ round (Bonawitz et al. 2017, figure 4, "User"; with the
/// neighbourhoods of Bell et al. 2020 when the graph is sparse). A value carrying the client's
/// per-round secrets from one round of messages to the next.
public struct SecAggClient: Sendable {
    public let id: Int
    public let configuration: SecAggConfiguration
    /// N(u): the clients this one masks with and shares to.
    public let neighbors: [Int]
    /// The public graph, to check that the survivors stay connected before unmasking.
    let graph: SecAggGraph
    /// c_u^SK and s_u^SK as raw X25519 scalars (the Crypto key type is not `Sendable`).
    let encryptionSecret: [UInt8]
    let maskingSecret: [UInt8]
    var encryptionKey: Curve25519.KeyAgreement.PrivateKey { try! .init(rawRepresentation: encryptionSecret) }
    var maskingKey: Curve25519.KeyAgreement.PrivateKey { try! .init(rawRepresentation: maskingSecret) }
    /// b_u, the self-mask seed.
    let selfMaskSeed: [UInt8]
    var directory: [Int: SecAggPublicKeys] = [:]
    /// Shares this client holds: owner → (share of s_owner^SK, share of b_owner).
    var held: [Int: (maskingKey: ShamirShare, selfMaskSeed: ShamirShare)] = [:]
    /// U2 ∩ N(u): the neighbours whose shares arrived, i.e. those it masks with.
    var maskingPeers: [Int] = []
    /// ChaChaPoly keys agreed in round 1, reused to open the shares of round 2 (same pair, same key).
    var shareKeys: [Int: [UInt8]] = [:]
    /// Which kind of share of each peer round 4 has revealed, so no later request gets the other.
    public private(set) var revealRecord = SecAggRevealRecord()

    /// Round 0 set-up: draws the two X25519 key pairs and b_u from `generator` (a CSPRNG stream).
    public init(id: Int, configuration: SecAggConfiguration, graph: SecAggGraph, using generator: inout ChaCha20Generator) {
        precondition((0..<configuration.clients).contains(id), "client id out of range")
        self.id = id
        self.configuration = configuration
        self.neighbors = graph.neighbors[id]
        self.graph = graph
        // Any 32 bytes are a valid X25519 private key (RFC 7748, section 5: the scalar is clamped).
        self.encryptionSecret = generator.bytes(32)
        self.maskingSecret = generator.bytes(32)
        self.selfMaskSeed = generator.bytes(32)
    }

    /// Round 0 (AdvertiseKeys): the message to the server.
    public func advertiseKeys() -> SecAggPublicKeys {
        SecAggPublicKeys(client: id, encryptionKey: Array(encryptionKey.publicKey.rawRepresentation),
                         maskingKey: Array(maskingKey.publicKey.rawRepresentation))
    }

    /// Round 1 (ShareKeys): t-out-of-|holders| Shamir shares of s_u^SK and b_u for every neighbour
    /// that advertised keys and for itself, each encrypted to its holder.
    /// - Throws: `tooFewSurvivors` when fewer than t holders remain (the client aborts, as in the
    ///   paper), `malformedMessage` for keys from non-neighbours or invalid keys.
    public mutating func shareKeys(_ received: SecAggKeyDirectory, using generator: inout ChaCha20Generator) throws -> SecAggShareKeysMessage {
        let neighborSet = Set(neighbors)
        for keys in received.keys {
            guard neighborSet.contains(keys.client) else {
                throw SecureComputationError.malformedMessage("client \(id) received keys of non-neighbour \(keys.client)")
            }
            directory[keys.client] = keys
        }
        let holders = (directory.keys.sorted() + [id]).sorted()
        guard holders.count >= configuration.threshold else {
            throw SecureComputationError.tooFewSurvivors(stage: "share keys (client \(id))", survivors: holders.count, threshold: configuration.threshold)
        }
        let shamir = try ShamirSecretSharing(threshold: configuration.threshold)
        let points = holders.map { UInt64($0 + 1) }
        let keyShares = try shamir.share(bytes: maskingSecret, at: points, using: &generator)
        let seedShares = try shamir.share(bytes: selfMaskSeed, at: points, using: &generator)
        var out: [SecAggEncryptedShare] = []
        let encryptionKey = self.encryptionKey
        for (index, holder) in holders.enumerated() {
            if holder == id {
                held[id] = (keyShares[index], seedShares[index])
                continue
            }
            let key = try SecAggKeyDerivation.shareEncryptionKey(encryptionKey, peer: directory[holder]!.encryptionKey, id, holder)
            shareKeys[holder] = key.withUnsafeBytes { Array($0) }
            let plaintext = Self.encodeSharePair(from: id, to: holder, keyShares[index], seedShares[index])
            let box = try ChaChaPoly.seal(plaintext, using: key, nonce: SecAggKeyDerivation.nonce(from: id, to: holder))
            out.append(SecAggEncryptedShare(from: id, to: holder, ciphertext: Array(box.ciphertext) + Array(box.tag)))
        }
        return SecAggShareKeysMessage(client: id, shares: out)
    }

    /// Round 2 (MaskedInputCollection): decrypts the shares routed to it (their senders are
    /// U2 ∩ N(u)) and returns y_u = x_u + PRG(b_u) + Σ_{v ∈ U2 ∩ N(u)} Δ_{u,v} PRG(s_{u,v}), with
    /// Δ = +1 if u < v and −1 if u > v, so each pair's masks cancel in the sum.
    /// - Parameters:
    ///   - input: x_u, already fixed-point encoded with `configuration.encoding`.
    /// - Throws: `malformedMessage` for undecryptable or misaddressed shares, `lengthMismatch`.
    public mutating func maskedInput(_ input: [UInt64], routedShares: [SecAggEncryptedShare]) throws -> SecAggMaskedInput {
        guard input.count == configuration.parameters else {
            throw SecureComputationError.lengthMismatch(expected: configuration.parameters, got: input.count)
        }
        for share in routedShares {
            guard share.to == id, let sender = directory[share.from] else {
                throw SecureComputationError.malformedMessage("client \(id) got a share from \(share.from) to \(share.to)")
            }
            let key = try shareKeys[share.from].map { SymmetricKey(data: $0) }
                ?? SecAggKeyDerivation.shareEncryptionKey(encryptionKey, peer: sender.encryptionKey, id, share.from)
            guard share.ciphertext.count >= 16,
                  let box = try? ChaChaPoly.SealedBox(
                      nonce: SecAggKeyDerivation.nonce(from: share.from, to: id),
                      ciphertext: share.ciphertext.dropLast(16), tag: share.ciphertext.suffix(16)),
                  let plaintext = try? ChaChaPoly.open(box, using: key),
                  let pair = Self.decodeSharePair(Array(plaintext), from: share.from, to: id)
            else { throw SecureComputationError.malformedMessage("client \(id) cannot open the share from \(share.from)") }
            held[share.from] = pair
        }
        maskingPeers = routedShares.map(\.from).sorted()
        var y = input
        ChaCha20Keystream(key: selfMaskSeed).apply(.add, to: &y)
        let maskingKey = self.maskingKey
        for peer in maskingPeers {
            let seed = try SecAggKeyDerivation.pairwiseMaskSeed(maskingKey, peer: directory[peer]!.maskingKey, id, peer)
            ChaCha20Keystream(key: seed).apply(id < peer ? .add : .subtract, to: &y)
        }
        return SecAggMaskedInput(client: id, maskedInput: y)
    }

    /// Round 4 (Unmasking): shares of b_v for the survivors v it holds shares of, of s_v^SK for
    /// those that dropped after sharing — one kind per peer, for good (Bonawitz et al. 2017,
    /// section 4, Round 4). Mutating because the client remembers in `revealRecord` what it
    /// revealed: a malicious server that asks again with a peer moved from survivors to dropped
    /// (or back) is refused, while re-asking the same kind is answered with the same shares.
    ///
    /// The checks run before anything is revealed or recorded, so a refused request leaves the
    /// client as it was.
    /// - Throws: `malformedMessage` if the request names ids outside the round or this client as
    ///   dropped (it is answering, so it uploaded); `conflictingUnmaskingRequest` if it names a
    ///   peer as both survivor and dropped; `shareAlreadyRevealed` if it asks for the other kind of a peer's share than an
    ///   earlier request got; `tooFewSurvivors` if fewer than t of the clients whose shares this
    ///   one holds are listed as survivors (the paper's abort when |U3| < t; for SecAgg+ the count
    ///   is within the neighbourhood, Bell et al. 2020); `disconnectedSurvivors` if the survivors
    ///   split the graph (answering would let the server unmask the sum of a part, in the worst
    ///   case one client's input).
    public mutating func unmask(_ request: SecAggUnmaskingRequest) throws -> SecAggUnmaskingResponse {
        let survivors = Set(request.survivors), dropped = Set(request.dropped)
        let ids = 0..<configuration.clients
        if let stranger = survivors.union(dropped).filter({ !ids.contains($0) }).min() {
            throw SecureComputationError.malformedMessage("the unmasking request to client \(id) names client \(stranger), which is not in the round")
        }
        try revealRecord.check(client: id, survivors: survivors, dropped: dropped)
        guard !dropped.contains(id) else {
            throw SecureComputationError.malformedMessage("the unmasking request to client \(id) lists it as dropped, yet it is answering")
        }
        // Survivors the server names that never sent this client shares (non-neighbours, clients
        // that left before round 1) would reveal nothing here, so they do not count towards t.
        let liveGroup = held.keys.filter { survivors.contains($0) }.count
        guard liveGroup >= configuration.threshold else {
            throw SecureComputationError.tooFewSurvivors(stage: "unmasking (client \(id))", survivors: liveGroup, threshold: configuration.threshold)
        }
        let components = graph.components(among: survivors)
        guard components == 1 else { throw SecureComputationError.disconnectedSurvivors(components: components) }
        let group = Set(neighbors + [id])
        revealRecord.record(survivors: survivors.intersection(group), dropped: dropped.intersection(group))
        var seeds: [Int: ShamirShare] = [:], keys: [Int: ShamirShare] = [:]
        for (owner, pair) in held {
            if survivors.contains(owner) { seeds[owner] = pair.selfMaskSeed } else if dropped.contains(owner) { keys[owner] = pair.maskingKey }
        }
        return SecAggUnmaskingResponse(client: id, selfMaskSeedShares: seeds, maskingKeyShares: keys)
    }

    /// u ‖ v ‖ share values of s^SK ‖ share values of b (little-endian words).
    static func encodeSharePair(from: Int, to: Int, _ key: ShamirShare, _ seed: ShamirShare) -> [UInt8] {
        var bytes: [UInt8] = []
        func put(_ w: UInt64, _ width: Int) { for i in 0..<width { bytes.append(UInt8(truncatingIfNeeded: w >> (8 * UInt64(i)))) } }
        put(UInt64(from), 4); put(UInt64(to), 4); put(key.x, 4)
        for v in key.values { put(v, 8) }
        for v in seed.values { put(v, 8) }
        return bytes
    }

    static func decodeSharePair(_ bytes: [UInt8], from: Int, to: Int) -> (maskingKey: ShamirShare, selfMaskSeed: ShamirShare)? {
        let elements = (32 + 6) / 7
        guard bytes.count == 12 + 16 * elements else { return nil }
        func get(_ offset: Int, _ width: Int) -> UInt64 {
            (0..<width).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
        }
        guard get(0, 4) == UInt64(from), get(4, 4) == UInt64(to) else { return nil }
        let x = get(8, 4)
        let key = (0..<elements).map { get(12 + 8 * $0, 8) }
        let seed = (0..<elements).map { get(12 + 8 * (elements + $0), 8) }
        return (ShamirShare(x: x, values: key), ShamirShare(x: x, values: seed))
    }
}
