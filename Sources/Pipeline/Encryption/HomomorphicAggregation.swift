import HomomorphicEncryption
import Randomness
import Wire
import ResultsStore

/// A collective public key and the epoch it serves.
public struct HEKeyEpoch: Sendable {
    public let epoch: Int
    public let publicKey: PublicKey
    public let createdRound: Int
    public var keyID: UInt64 { publicKey.keyID }
}

/// The HE modes' round protocol (one-key, threshold, share-holders), carried from round to round
/// by the runner since key epochs span rounds: the current key epoch and the aggregator's
/// encrypted aggregate of the running round. The key shares live on the parties' own devices
/// (`ClientDevice.heKeyShare`, `ShareHolderDevice.heKeyShare`); their HE steps are in
/// HEDeviceSteps.swift.
/// Its steps: `plan` and `protect` (stage `encrypt`, HomomorphicAggregation+Protect.swift),
/// `aggregate` (HomomorphicAggregation+Sum.swift), `release` (stage `decrypt`,
/// HomomorphicAggregation+Decrypt.swift).
public struct HomomorphicAggregation: RoundProtocol {
    public let setup: HESetup
    public internal(set) var current: HEKeyEpoch?
    /// Simulation only: the update each client encrypted this round, for the `he_max_abs_error`
    /// diagnostic (kept in the simulator's record, never the aggregator's).
    var simulatorPlainUpdates: [Int: [Float]] = [:]
    /// The running round's public plan, fixed by `plan` before any client encrypts.
    var roundPlan: HERoundPlan?
    /// The aggregator's encrypted aggregate of this round and the divisor to apply after decryption.
    var pendingAggregate: (vector: EncryptedVector, divisor: Double)?
    /// With agents: the key holders that have the current epoch's collective key (`protectAtAgent`).
    var keyDelivered: Set<Int> = []
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
    mutating func ensureKey(round: Int, job: PreparedJob, parties: inout Federation) throws -> [StageMetric] {
        let epoch = setup.epoch(ofRound: round)
        if current?.epoch == epoch { return [] }
        let context = setup.context, secrets = setup.codec.secretsPerKey
        let generation = setup.keyGeneration(epoch: epoch, publicStreams: job.publicStreams)
        var received: [PublicKeyShare] = []
        var shareBytes = 0
        for c in parties.clients.indices { parties.clients[c].heKeyShare = nil }  // the previous epoch's shares are erased
        let resharing = setup.resharing
        if let resharing, job.remoteClients == nil {
            for h in 0..<resharing.holders { parties.shareHolders[h].heKeyShare = HolderKeyShare(context: context, holder: h, holders: resharing.holders, secrets: secrets) }
        }
        var holderBytes = [Int](repeating: 0, count: resharing?.holders ?? 0)
        var fragmentBytes = 0
        var remoteFragmentMetrics: [StageMetric] = []
        if let remote = job.remoteClients {
            // The key holders are agents: each draws its share on its own machine.
            let wires = try Self.remotePublicKeyShares(epoch: epoch, round: round, setup: setup, job: job, remote: remote)
            received = try wires.map { try HESerialization.deserializePublicKeyShare($0, context: context) }
            shareBytes = wires.first?.count ?? 0
            if resharing != nil { remoteFragmentMetrics = try Self.remoteKeyFragments(epoch: epoch, round: round, setup: setup, job: job, remote: remote) }
        }
        for c in setup.keyHolders where job.remoteClients == nil {
            let wire = parties.clients[c].publicKeyShare(epoch: epoch, secrets: secrets, generation: generation)
            let share = try job.transport.deliver(HEBlobsMessage(.publicKeyShare, epochOrRound: epoch, sender: c, blobs: [wire]),
                                                  from: .client(c), to: .aggregator)
            shareBytes = share.bytes
            for blob in try share.message.blobs(expecting: .publicKeyShare, epochOrRound: epoch, sender: c) {
                received.append(try HESerialization.deserializePublicKeyShare(blob, context: context))
            }
            if let resharing {
                let fragments = parties.clients[c].keyFragments(epoch: epoch, resharing: resharing)
                fragmentBytes = 0
                for (h, bytes) in fragments.enumerated() {
                    let fragment = try job.transport.deliver(HEBlobsMessage(.keyFragment, epochOrRound: epoch, sender: c, blobs: [bytes]),
                                                             from: .client(c), to: .shareHolder(h))
                    fragmentBytes += fragment.bytes
                    holderBytes[h] += fragment.bytes
                    try parties.shareHolders[h].receiveKeyFragment(try fragment.message.blobs(expecting: .keyFragment, epochOrRound: epoch, sender: c),
                                                                   resharing: resharing)
                }
            }
        }
        let sum = try generation.aggregate(received)
        guard sum.polynomials.count == secrets else { throw MultipartyError.secretCountMismatch(expected: secrets, found: sum.polynomials.count) }
        let key = generation.finalize(sum, epoch: UInt64(epoch))
        current = HEKeyEpoch(epoch: epoch, publicKey: key, createdRound: round)
        keyDelivered = []
        // Every client receives the key it will encrypt under (any of them may be selected in the epoch).
        let keyBlob = HESerialization.serialize(key, context: context)
        var keyBytes = 0
        // Agents receive the key with each round's request to encrypt (`protectAtAgent`).
        for c in parties.clients.indices where job.remoteClients == nil {
            let sent = try job.transport.deliver(HEBlobsMessage(.publicKey, epochOrRound: epoch, sender: c, blobs: [keyBlob]),
                                                 from: .aggregator, to: .client(c))
            keyBytes = sent.bytes
            let blobs = try sent.message.blobs(expecting: .publicKey, epochOrRound: epoch, sender: c)
            guard blobs.count == 1 else { throw WireError.invalidValue(field: "blob count", reason: "\(blobs.count) public keys, expected 1") }
            let clientKey = try HESerialization.deserializePublicKey(blobs[0], context: context)
            guard clientKey.secretCount == secrets else {
                throw WireError.invalidValue(field: "public key", reason: "\(clientKey.secretCount) secrets, expected \(secrets)")
            }
            parties.clients[c].hePublicKey = clientKey
        }
        unrecordedKeys.append(HEKeyRecord(epoch: epoch, keyID: String(key.keyID, radix: 16), scheme: setup.scheme.rawValue,
                                          ringDegree: context.degree, logQ: context.parameters.totalModulusBits,
                                          parties: setup.keyHolders.count, createdRound: round))
        var metrics = [
            StageMetric("he_key_epoch", Double(epoch), "count"),
            StageMetric("public_key_share_bytes", Double(shareBytes), "bytes"),
            // What each client received of the collective key, as carried.
            StageMetric("public_key_bytes", Double(keyBytes), "bytes"),
        ]
        if job.remoteClients != nil {
            metrics += remoteFragmentMetrics
        } else if resharing != nil {
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
