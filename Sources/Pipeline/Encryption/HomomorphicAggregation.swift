import HomomorphicEncryption
import Randomness
import ResultsStore

/// A collective public key and the epoch it serves.
public struct HEKeyEpoch: Sendable {
    public let epoch: Int
    public let publicKey: PublicKey
    public let createdRound: Int
    public var keyID: UInt64 { publicKey.keyID }
}

/// What lives on the client devices: each key holder's secret-key share of the current epoch,
/// and (simulation only) a copy of the plaintext update each client encrypted, kept solely to
/// compute the `he_max_abs_error` diagnostic. Aggregator-side stages never read this; they reach
/// clients only through `HEClientDevices`' protocol calls, whose outputs are wire bytes.
public struct HEClientSide: Sendable {
    var secretKeyShares: [Int: SecretKey] = [:]
    /// Simulation-only: the update client C encrypted this round (for the error diagnostic).
    var simulationPlainUpdates: [Int: [Float]] = [:]
}

/// What lives on the share-holders (DP + HE + MPC): share-holder h's additive share S_h of the
/// current epoch's collective secret (`HolderKeyShare`), one per share-holder. Aggregator-side
/// stages reach them only through `HEShareHolderDevices`, whose outputs are wire bytes.
public struct HEShareHolderSide: Sendable {
    var keyShares: [HolderKeyShare] = []
}

/// The HE modes' round protocol (one-key, threshold, share-holders), carried from round to round
/// by the runner since key epochs span rounds: the current key epoch, the client devices' and
/// share-holders' secrets, and the aggregator's encrypted aggregate of the running round.
/// Its steps: `plan` and `protect` (stage `encrypt`, HomomorphicAggregation+Protect.swift),
/// `aggregate` (HomomorphicAggregation+Sum.swift), `release` (stage `decrypt`,
/// HomomorphicAggregation+Decrypt.swift).
public struct HomomorphicAggregation: RoundProtocol {
    public let setup: HESetup
    public internal(set) var current: HEKeyEpoch?
    var clients = HEClientSide()
    var holders = HEShareHolderSide()
    /// The running round's public plan, fixed by `plan` before any client encrypts.
    var roundPlan: HERoundPlan?
    /// The aggregator's encrypted aggregate of this round and the divisor to apply after decryption.
    var pendingAggregate: (vector: EncryptedVector, divisor: Double)?
    /// Keys made since the runner last recorded them (for `he_keys`).
    public internal(set) var unrecordedKeys: [HEKeyRecord] = []

    public var keyEpoch: Int? { current?.epoch }

    public init(setup: HESetup) { self.setup = setup }

    /// The runner calls this after writing `unrecordedKeys`.
    public mutating func markKeysRecorded() { unrecordedKeys = [] }

    /// Makes the round's collective key when the round starts a new epoch (Mouchet et al. 2021,
    /// Protocol 1): each key holder draws its ternary secret share and its public-key share from
    /// stream `he/epoch/E/key` of its own secret root, against the common reference polynomial of
    /// public stream `he/epoch/E/crs` (public by definition: the protocol's security does not rest
    /// on it being secret, only on it being fixed before the shares); the aggregator sums the
    /// serialized shares. Nobody forms Σ s_i.
    /// - Returns: metrics of the key generation (empty when the epoch's key exists).
    mutating func ensureKey(round: Int, job: PreparedJob) throws -> [StageMetric] {
        let epoch = setup.epoch(ofRound: round)
        if current?.epoch == epoch { return [] }
        let context = setup.context
        let generation = CollectivePublicKeyGeneration(context: context, crs: CommonReferencePolynomial(context: context, seed: job.publicStreams.key("he/epoch/\(epoch)/crs")))
        var received: [PublicKeyShare] = []
        var shareBytes = 0
        clients.secretKeyShares = [:]  // the previous epoch's shares are erased on the devices
        let resharing = setup.resharing
        var holderKeys = resharing.map { r in (0..<r.holders).map { HolderKeyShare(context: context, holder: $0, holders: r.holders) } } ?? []
        var holderBytes = [Int](repeating: 0, count: holderKeys.count)
        var fragmentBytes = 0
        for c in setup.keyHolders {
            let wire = HEClientDevices.publicKeyShare(client: c, epoch: epoch, generation: generation, devices: &clients, streams: job.streams(.client(c)))
            let share = try job.transport.deliver(HEBlobsMessage(.publicKeyShare, epochOrRound: epoch, sender: c, blobs: [wire]),
                                                  from: .client(c), to: .aggregator)
            shareBytes = share.bytes
            for blob in try share.message.blobs(expecting: .publicKeyShare, epochOrRound: epoch, sender: c) {
                received.append(try HESerialization.deserializePublicKeyShare(blob, context: context))
            }
            if let resharing {
                let fragments = HEClientDevices.keyFragments(client: c, epoch: epoch, resharing: resharing, devices: &clients, streams: job.streams(.client(c)))
                fragmentBytes = 0
                for (h, bytes) in fragments.enumerated() {
                    let fragment = try job.transport.deliver(HEBlobsMessage(.keyFragment, epochOrRound: epoch, sender: c, blobs: [bytes]),
                                                             from: .client(c), to: .shareHolder(h))
                    fragmentBytes += fragment.bytes
                    holderBytes[h] += fragment.bytes
                    for blob in try fragment.message.blobs(expecting: .keyFragment, epochOrRound: epoch, sender: c) {
                        try holderKeys[h].receive(try HESerialization.deserializeKeyFragment(blob, context: context), resharing: resharing)
                    }
                }
            }
        }
        holders.keyShares = holderKeys
        let key = generation.finalize(try generation.aggregate(received), epoch: UInt64(epoch))
        current = HEKeyEpoch(epoch: epoch, publicKey: key, createdRound: round)
        unrecordedKeys.append(HEKeyRecord(epoch: epoch, keyID: String(key.keyID, radix: 16), scheme: setup.scheme.rawValue,
                                          ringDegree: context.degree, logQ: context.parameters.totalModulusBits,
                                          parties: setup.keyHolders.count, createdRound: round))
        var metrics = [
            StageMetric("he_key_epoch", Double(epoch), "count"),
            StageMetric("public_key_share_bytes", Double(shareBytes), "bytes"),
            StageMetric("public_key_bytes", Double(HESerialization.publicKeyByteCount(context: context)), "bytes"),
        ]
        if resharing != nil {
            metrics.append(StageMetric("key_fragment_bytes", Double(fragmentBytes), "bytes"))
            for (h, bytes) in holderBytes.enumerated() { metrics.append(StageMetric("holder_\(h)_key_bytes_received", Double(bytes), "bytes")) }
        }
        return metrics
    }
}

/// What every party knows of an HE round before the first client encrypts.
struct HERoundPlan: Sendable {
    let round: Int
    /// DP + HE + MPC: the simulated dropouts (`RoundDropouts`); nil on the threshold path, where
    /// every key holder must take part in decryption.
    let dropouts: RoundDropouts?
    /// Client-level DP: the noise shares guaranteed to reach the sum (`GuaranteedSurvivors`);
    /// each client adds N(0, σ²C²/noiseParties).
    let noiseParties: Int
}

/// The client side of the HE protocols, as a networked client would run them: every function
/// reads only client C's own state and returns what C sends (serialized bytes).
enum HEClientDevices {
    /// Client C draws its secret share of epoch E (stream `he/epoch/E/key` of `streams`, client C's
    /// own) and returns its serialized public-key share.
    static func publicKeyShare(client c: Int, epoch: Int, generation: CollectivePublicKeyGeneration,
                               devices: inout HEClientSide, streams: RandomStreams) -> [UInt8] {
        var rng = streams.generator("he/epoch/\(epoch)/key")
        let secret = SecretKey(context: generation.context, rng: &rng)
        devices.secretKeyShares[c] = secret
        return HESerialization.serialize(generation.generateShare(secretKeyShare: secret, rng: &rng), context: generation.context)
    }

    /// Client C splits its secret-key share of epoch E among the share-holders (stream
    /// `he/epoch/E/key-resharing` of its own root), erases it, and returns fragment h for share-holder h.
    static func keyFragments(client c: Int, epoch: Int, resharing: SecretKeyResharing, devices: inout HEClientSide,
                             streams: RandomStreams) -> [[UInt8]] {
        guard let secret = devices.secretKeyShares.removeValue(forKey: c) else { preconditionFailure("client \(c) holds no key share") }
        var rng = streams.generator("he/epoch/\(epoch)/key-resharing")
        return resharing.split(secret, rng: &rng).map { HESerialization.serialize($0, context: resharing.context) }
    }

    /// Client C's smudged decryption shares of the aggregate (stream `he/round/R/decrypt` of its own
    /// root), in the codec's wire form (compact: the coefficients the decoder reads, top bits only).
    static func decryptionShares(client c: Int, round: Int, aggregate: EncryptedVector, codec: HEVectorCodec,
                                 devices: HEClientSide, streams: RandomStreams, threads: Int) -> [[UInt8]] {
        guard let secret = devices.secretKeyShares[c] else { preconditionFailure("client \(c) holds no key share") }
        var rng = streams.generator("he/round/\(round)/decrypt")
        return codec.wireDecryptionShares(of: aggregate, secretKeyShare: secret, rng: &rng, threads: threads)
    }
}

/// The share-holders' side of DP + HE + MPC, as a networked share-holder would run it: reads only
/// share-holder h's own key share and returns what h sends (serialized bytes).
enum HEShareHolderDevices {
    /// Share-holder h's smudged decryption shares of the aggregate (stream `he/round/R/decrypt` of its own root).
    static func decryptionShares(holder h: Int, round: Int, aggregate: EncryptedVector, setup: HESetup, devices: HEShareHolderSide,
                                 streams: RandomStreams, threads: Int) -> [[UInt8]] {
        guard let resharing = setup.resharing, h < devices.keyShares.count else { preconditionFailure("share-holder \(h) holds no key share") }
        var rng = streams.generator("he/round/\(round)/decrypt")
        return setup.codec.wireHolderDecryptionShares(of: aggregate, holderKey: devices.keyShares[h], resharing: resharing,
                                                      rng: &rng, threads: threads)
    }
}
