import Foundation
import HomomorphicEncryption
import ResultsStore

/// Threshold decryption of the round's aggregate (Mouchet et al. 2021, Protocol 3): every key
/// holder sends its decryption shares, each flooded with smudging noise; the aggregator
/// combines them, decodes, divides by the weight sum and releases the delta rounded to 2^−p.
/// Under client-level DP the release is first decided by the job's `PrivacyBook` (party
/// "aggregator"), and the ledger entry is committed by the runner before evaluate reads it. The
/// decision precedes decryption (no share is sent over budget); the entry is pended after it,
/// carrying the SHA-256 of the released delta, and only the runner's commit passes that on.
///
/// DP + HE + MPC: the M share-holders, not the clients, send the decryption shares — share-holder
/// h's S_h·c1 + E_h from its re-shared key (`SecretKeyResharing`, stream `he/round/R/holder/H/decrypt`),
/// each flooded with smudging noise; the aggregator combines all M. Recorded per share-holder:
/// `holder_H_bytes_received` (the aggregate it is sent) and `holder_H_bytes_sent` (its shares);
/// `threshold_decryption` carries the mode in its unit (`mode:threshold` or `mode:share-holders`);
/// `smudging_bits` (the smallest over all shares) and `decryption_noise_log2` (⌈log2 B⌉ of the
/// aggregate) let an audit check the flooding was sized for the noise.
///
/// The aggregator sends each decrypting party what it needs of the aggregate (`wireDownload`:
/// compact, c1 alone) through the job's transport, and the party makes its shares from the bytes
/// it received. The shares travel in the codec's compact form (`CompactWire`);
/// `decryption_download_bytes` is the length of one carried download and `he_error_bound` the
/// worst-case error the layout allows on a released value.
///
/// A client-level DP round with an empty Poisson cohort has nothing to decrypt: the aggregator
/// releases its own noise alone (`releaseEmptyCohortNoise`), admitted and pended like any release.
///
/// `he_max_abs_error` compares the released delta with plaintext FedAvg of the same updates
/// (exact weights n_k / Σ n, or the DP-FedAvg sum / clients_per_round). It is a simulation-only
/// diagnostic: a deployment has no plaintext updates to compare with.
public struct DecryptStage: RoundStage {
    public let name = StageName.decrypt
    public let scope = StageScope.aggregator

    public init() {}

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        guard var he = state.he else { preconditionFailure("decrypt of an HE job runs after aggregate") }
        guard let pending = he.aggregate else {
            guard state.cohortIsEmpty(job: job) else { preconditionFailure("decrypt of an HE job runs after aggregate") }
            let admitted = try state.admitRelease(of: .aggregator)
            state.pend(admitted, released: state.releaseEmptyCohortNoise(job: job))
            return [.emptyCohortNoise, StageMetric("epsilon_spent", admitted.enforcedEpsilonSpent, "epsilon")]
        }
        let (aggregate, divisor) = pending
        let admitted = he.setup.clientLevelDP ? try state.admitRelease(of: .aggregator) : nil
        let codec = he.setup.codec
        let threads = job.manifest.threads
        var shareBytes = 0, downloadBytes = 0, parties = 0, smudgingBits = Int.max
        var holderMetrics: [StageMetric] = []
        let download = codec.wireDownload(of: aggregate)
        /// Carries the aggregate to a decrypting party, which parses it as it arrived.
        func downloaded(to party: Party, index: Int) throws -> EncryptedVector {
            let sent = try job.transport.deliver(HEBlobsMessage(.aggregateDownload, epochOrRound: state.round, sender: index, blobs: download),
                                                 from: .aggregator, to: party)
            downloadBytes = sent.bytes
            return try codec.receiveDownload(try sent.message.blobs(expecting: .aggregateDownload, epochOrRound: state.round, sender: index),
                                             count: aggregate.count)
        }
        let released: [Double]
        if let resharing = he.setup.resharing {
            var shares: [[HolderDecryptionShare]] = []
            for h in 0..<resharing.holders {
                let received = try downloaded(to: .shareHolder(h), index: h)
                let wire = HEShareHolderDevices.decryptionShares(holder: h, round: state.round, aggregate: received, setup: he.setup,
                                                                 devices: he.holders, streams: job.streams(.shareHolder(h)), threads: threads)
                let sent = try job.transport.deliver(HEBlobsMessage(.holderDecryptionShares, epochOrRound: state.round, sender: h, blobs: wire),
                                                     from: .shareHolder(h), to: .aggregator)
                shareBytes = sent.bytes
                shares.append(try codec.receiveHolderDecryptionShares(
                    try sent.message.blobs(expecting: .holderDecryptionShares, epochOrRound: state.round, sender: h)))
                holderMetrics += [StageMetric("holder_\(h)_bytes_received", Double(downloadBytes), "bytes"),
                                  StageMetric("holder_\(h)_bytes_sent", Double(shareBytes), "bytes")]
            }
            parties = shares.count
            smudgingBits = shares.joined().map(\.share.smudgingBits).min() ?? 0
            released = try codec.decrypt(aggregate, holderShares: shares, resharing: resharing, divisor: divisor, threads: threads)
        } else {
            var shares: [[DecryptionShare]] = []
            for c in he.setup.keyHolders {
                let received = try downloaded(to: .client(c), index: c)
                let wire = HEClientDevices.decryptionShares(client: c, round: state.round, aggregate: received, codec: codec,
                                                            devices: he.clients, streams: job.streams(.client(c)), threads: threads)
                let sent = try job.transport.deliver(HEBlobsMessage(.decryptionShares, epochOrRound: state.round, sender: c, blobs: wire),
                                                     from: .client(c), to: .aggregator)
                shareBytes = sent.bytes
                shares.append(try codec.receiveDecryptionShares(
                    try sent.message.blobs(expecting: .decryptionShares, epochOrRound: state.round, sender: c)))
            }
            parties = shares.count
            smudgingBits = shares.joined().map(\.smudgingBits).min() ?? 0
            released = try codec.decrypt(aggregate, shares: shares, divisor: divisor, threads: threads)
        }
        let maxError = Self.maxErrorAgainstPlaintext(released, updates: state.updates, plain: he.clients.simulationPlainUpdates,
                                                     uniform: he.setup.clientLevelDP, divisor: divisor)
        let delta = released.map { Float($0) }
        state.aggregateDelta = delta
        state.nextParameters = zip(state.global.parameters, delta).map { $0 + $1 }
        he.aggregate = nil
        he.clients.simulationPlainUpdates = [:]
        state.he = he
        var metrics = [
            StageMetric("decryption_shares", Double(parties), "count"),
            StageMetric("decryption_share_bytes", Double(shareBytes), "bytes"),
            // What each decrypting party downloaded to make its shares (c1 of the aggregate), as carried.
            StageMetric("decryption_download_bytes", Double(downloadBytes), "bytes"),
            StageMetric("threshold_decryption", 1, "mode:\(he.setup.decryptionMode.rawValue)"),
            StageMetric("precision_bits", Double(codec.precisionBits), "bits"),
            // What the audit's he_security needs to check the smudging was sized for this noise.
            StageMetric("smudging_bits", Double(smudgingBits), "bits"),
            StageMetric("decryption_noise_log2", Self.noiseLog2(aggregate), "bits"),
            StageMetric("he_max_abs_error", maxError, "abs", owner: .simulator),
        ]
        if let bound = codec.valueErrorBound {
            // The worst case he_max_abs_error may reach: the compact layout's error, divided, plus the rounding to 2^−p.
            metrics.append(StageMetric("he_error_bound", bound / divisor + pow(2, -Double(codec.precisionBits + 1)), "abs"))
        }
        metrics += holderMetrics
        if let admitted {
            state.pend(admitted, released: delta)  // the decrypted delta
            metrics.append(StageMetric("epsilon_spent", admitted.enforcedEpsilonSpent, "epsilon"))
        }
        return metrics
    }

    /// ⌈log2 B⌉ for the largest noise bound B over the aggregate's ciphertexts: the noise the
    /// smudging of every decryption share has to flood. (The ciphertexts of one aggregate went
    /// through the same operations and share one bound; taking the largest errs towards failing
    /// the audit, never towards passing it.)
    static func noiseLog2(_ aggregate: EncryptedVector) -> Double {
        aggregate.ciphertexts.map { log2(max($0.noiseBound, 1)).rounded(.up) }.max() ?? 0
    }

    /// max_i |released_i − plaintext FedAvg_i|, the reference accumulated in Double in client order.
    static func maxErrorAgainstPlaintext(_ released: [Double], updates: [ClientUpdateMessage], plain: [Int: [Float]],
                                         uniform: Bool, divisor: Double) -> Double {
        var reference = [Double](repeating: 0, count: released.count)
        let total = Double(updates.reduce(0) { $0 + $1.sampleCount })
        for update in updates {
            guard let x = plain[update.client] else { continue }
            let w = uniform ? 1 / divisor : Double(update.sampleCount) / total
            for i in reference.indices { reference[i] += w * Double(x[i]) }
        }
        return zip(released, reference).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
    }
}
