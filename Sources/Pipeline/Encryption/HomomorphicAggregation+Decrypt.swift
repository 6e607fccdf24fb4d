import Foundation
import HomomorphicEncryption
import ResultsStore

/// Stage `decrypt`: threshold decryption of the round's aggregate (Mouchet et al. 2021, Protocol 3): every key
/// holder sends its decryption shares, each flooded with smudging noise; the aggregator
/// combines them, decodes, divides by the weight sum and releases the delta rounded to 2^−p.
/// Under client-level DP the release is first decided by the job's `PrivacyBook` (party
/// "aggregator"), and the ledger entry is committed by the runner before evaluate reads it. The
/// decision precedes decryption (no share is sent over budget); the entry is pended after it,
/// carrying the SHA-256 of the released delta, and only the runner's commit passes that on.
///
/// DP + HE + MPC: the M share-holders, not the clients, send the decryption shares — share-holder
/// h's S_h·c1 + E_h from its re-shared key (`SecretKeyResharing`, stream `he/round/R/decrypt` of its own root),
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
extension HomomorphicAggregation {
    public mutating func release(_ state: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        guard let pending = pendingAggregate else {
            guard state.cohortIsEmpty(job: job) else { preconditionFailure("decrypt of an HE job runs after aggregate") }
            let admitted = try state.admitRelease(of: .aggregator)
            state.pend(admitted, released: state.releaseEmptyCohortNoise(job: job))
            return [.emptyCohortNoise, StageMetric("epsilon_spent", admitted.enforcedEpsilonSpent, "epsilon")]
        }
        let (aggregate, divisor) = pending
        let admitted = setup.clientLevelDP ? try state.admitRelease(of: .aggregator) : nil
        let codec = setup.codec
        let threads = job.manifest.threads
        let download = codec.wireDownload(of: aggregate)
        let round = state.round
        /// Each decrypting party in turn: the aggregator carries it the aggregate, the party parses
        /// what arrived and makes its shares (`make`), which the aggregator receives (`receive`).
        /// Returns each party's shares with the bytes it downloaded and sent, as carried.
        func collect<Share>(_ parties: [Int], as party: (Int) -> Party, purpose: HEBlobsMessage.Purpose,
                            make: (Int, EncryptedVector) -> [[UInt8]],
                            receive: ([[UInt8]]) throws -> [Share]) throws -> [(shares: [Share], downloaded: Int, sent: Int)] {
            try parties.map { i in
                let carried = try job.transport.deliver(HEBlobsMessage(.aggregateDownload, epochOrRound: round, sender: i, blobs: download),
                                                        from: .aggregator, to: party(i))
                let received = try codec.receiveDownload(try carried.message.blobs(expecting: .aggregateDownload, epochOrRound: round, sender: i),
                                                         count: aggregate.count)
                let sent = try job.transport.deliver(HEBlobsMessage(purpose, epochOrRound: round, sender: i, blobs: make(i, received)),
                                                     from: party(i), to: .aggregator)
                return (try receive(try sent.message.blobs(expecting: purpose, epochOrRound: round, sender: i)), carried.bytes, sent.bytes)
            }
        }
        let released: [Double]
        let parties: Int, smudgingBits: Int, downloadBytes: Int, shareBytes: Int
        var holderMetrics: [StageMetric] = []
        if let resharing = setup.resharing {
            let holders = state.parties.shareHolders
            let collected = try job.remoteClients.map { try remoteHolderDecryptionShares(download: download, round: round, job: job, remote: $0) }
                ?? collect(Array(0..<resharing.holders), as: Party.shareHolder, purpose: .holderDecryptionShares, make: { h, received in
                holders[h].decryptionShares(round: round, aggregate: received, setup: setup, threads: threads)
            }, receive: codec.receiveHolderDecryptionShares)
            for (h, c) in collected.enumerated() {
                holderMetrics += [StageMetric("holder_\(h)_bytes_received", Double(c.downloaded), "bytes"),
                                  StageMetric("holder_\(h)_bytes_sent", Double(c.sent), "bytes")]
            }
            let shares = collected.map(\.shares)
            (parties, downloadBytes, shareBytes) = (shares.count, collected.last?.downloaded ?? 0, collected.last?.sent ?? 0)
            smudgingBits = shares.joined().map(\.share.smudgingBits).min() ?? 0
            released = try codec.decrypt(aggregate, holderShares: shares, resharing: resharing, divisor: divisor, threads: threads)
        } else {
            let clients = state.parties.clients
            let collected = try job.remoteClients.map { try remoteDecryptionShares(download: download, round: round, job: job, remote: $0) }
                ?? collect(setup.keyHolders, as: Party.client, purpose: .decryptionShares, make: { c, received in
                clients[c].decryptionShares(round: round, aggregate: received, codec: codec, threads: threads)
            }, receive: codec.receiveDecryptionShares)
            let shares = collected.map(\.shares)
            (parties, downloadBytes, shareBytes) = (shares.count, collected.last?.downloaded ?? 0, collected.last?.sent ?? 0)
            smudgingBits = shares.joined().map(\.smudgingBits).min() ?? 0
            released = try codec.decrypt(aggregate, shares: shares, divisor: divisor, threads: threads)
        }
        let maxError = Self.maxErrorAgainstPlaintext(released, updates: state.updates, plain: simulatorPlainUpdates,
                                                     uniform: setup.clientLevelDP, divisor: divisor)
        let delta = released.map { Float($0) }
        state.aggregateDelta = delta
        state.nextParameters = zip(state.global.parameters, delta).map { $0 + $1 }
        pendingAggregate = nil
        simulatorPlainUpdates = [:]
        var metrics = [
            StageMetric("decryption_shares", Double(parties), "count"),
            StageMetric("decryption_share_bytes", Double(shareBytes), "bytes"),
            // What each decrypting party downloaded to make its shares (c1 of the aggregate), as carried.
            StageMetric("decryption_download_bytes", Double(downloadBytes), "bytes"),
            StageMetric("threshold_decryption", 1, "mode:\(setup.decryptionMode.rawValue)"),
            StageMetric("precision_bits", Double(codec.precisionBits), "bits"),
            // What the audit's he_security needs to check the smudging was sized for this noise.
            StageMetric("smudging_bits", Double(smudgingBits), "bits"),
            StageMetric("decryption_noise_log2", Self.noiseLog2(aggregate), "bits"),
        ]
        // A simulation-only diagnostic: with agents there are no plaintext updates to compare with.
        if job.remoteClients == nil { metrics.append(StageMetric("he_max_abs_error", maxError, "abs", owner: .simulator)) }
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
