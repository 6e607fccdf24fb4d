import HomomorphicEncryption
import ResultsStore
import Wire

/// DP + HE + MPC when the key holders are agents and the M share-holders are parties of their
/// own (`privfed share-holder`): the simulation's protocol (`SecretKeyResharing`), each step a
/// call of the link. At each key epoch every agent re-shares its secret-key share, one fragment
/// sealed for each holder's signed key (`KeyFragmentRequest` → `SealedShares`); the orchestrator
/// relays each holder its fragments (`HolderKeyRequest`), which it sums into its share S_h. At
/// each round's decryption the holders, not the agents, make the shares (`HolderDecryptRequest`),
/// so an agent may leave once it uploaded. Every key holder is needed at key generation, and
/// every holder at each step (M-of-M): a missing one fails the round, by name.
extension HomomorphicAggregation {
    /// Each agent's fragments of `epoch` relayed to the holders; the key generation's metrics.
    static func remoteKeyFragments(epoch: Int, round: Int, setup: HESetup, job: PreparedJob, remote: any RemoteClients) throws -> [StageMetric] {
        guard let holders = remote.shareHolders, let resharing = setup.resharing, holders.keys.count == resharing.holders else {
            throw PipelineError.stage(StageName.encrypt.rawValue, "round \(round): the job needs \(setup.resharing?.holders ?? 0) share-holders on the link")
        }
        let asks = Dictionary(uniqueKeysWithValues: setup.keyHolders.map { c in
            (c, KeyFragmentRequest(jobId: remote.jobId, client: c, round: round, epoch: epoch, holders: holders.keys).encoded())
        })
        let deadline = Duration.milliseconds(Int(job.manifest.federation.roundTimeoutSeconds * 1000))
        let answers = remote.call(asks, deadline: deadline)
        if let signal = remote.stopSignal { throw PipelineError.interrupted(signal: signal) }
        var sealed: [Int: (shares: SealedShares, certificatePEM: String)] = [:], missing: [String] = []
        for c in setup.keyHolders {
            switch answers[c] {
            case .success(let answer):
                do {
                    let shares = try SealedShares.decode(try AgentStepReply.decode(answer.body).message)
                    guard shares.client == c, shares.round == epoch, shares.shares.map(\.holder) == Array(0..<resharing.holders) else {
                        throw RemoteFailure("its fragments are client \(shares.client)'s of epoch \(shares.round) for holders \(shares.shares.map(\.holder))")
                    }
                    sealed[c] = (shares, answer.certificatePEM)
                } catch { missing.append("\(remote.agent(of: c)) (its fragments do not read: \(error))") }
            case .failure(let failure): missing.append("\(remote.agent(of: c)) (\(failure.reason))")
            case nil: missing.append("\(remote.agent(of: c)) (no reply)")
            }
        }
        guard missing.isEmpty else {
            throw PipelineError.stage(StageName.encrypt.rawValue, "round \(round): key epoch \(epoch) needs every key holder's re-shared key; missing: "
                                      + missing.joined(separator: "; "))
        }
        var bodies: [Int: [UInt8]] = [:]
        for h in 0..<resharing.holders {
            let contributions = setup.keyHolders.map { c in
                HolderContribution(client: c, roundKey: sealed[c]!.shares.roundKey, share: sealed[c]!.shares.shares[h], certificatePEM: sealed[c]!.certificatePEM)
            }
            bodies[h] = HolderKeyRequest(jobId: remote.jobId, holder: h, epoch: epoch, manifestText: holders.manifestText,
                                         contributions: contributions).encoded()
        }
        _ = try holders.callEvery(bodies, deadline: deadline, stage: .encrypt, round: round,
                                  needs: "key epoch \(epoch) needs every share-holder's share of the key") { _, _, _ in () }
        let fragmentBytes = sealed.values.map { $0.shares.encoded().count }.max() ?? 0
        return [StageMetric("key_fragment_bytes", Double(fragmentBytes), "bytes")]
            + (0..<resharing.holders).map { StageMetric("holder_\($0)_key_bytes_received", Double(bodies[$0]!.count), "bytes") }
    }

    /// Every share-holder's decryption shares of `download` (the aggregate's c1), made on its machine.
    func remoteHolderDecryptionShares(download: [[UInt8]], round: Int, job: PreparedJob, remote: any RemoteClients)
        throws -> [(shares: [HolderDecryptionShare], downloaded: Int, sent: Int)] {
        guard let holders = remote.shareHolders, let resharing = setup.resharing, holders.keys.count == resharing.holders else {
            throw PipelineError.stage(StageName.decrypt.rawValue, "round \(round): the job needs \(setup.resharing?.holders ?? 0) share-holders on the link")
        }
        let bodies = Dictionary(uniqueKeysWithValues: (0..<resharing.holders).map { h in
            (h, HolderDecryptRequest(jobId: remote.jobId, holder: h, round: round, manifestText: holders.manifestText,
                                     download: HEBlobsMessage(.aggregateDownload, epochOrRound: round, sender: h, blobs: download)).encoded())
        })
        let deadline = Duration.milliseconds(Int(job.manifest.federation.roundTimeoutSeconds * 1000))
        let codec = setup.codec
        let shares = try holders.callEvery(bodies, deadline: deadline, stage: .decrypt, round: round,
                                           needs: "decryption needs all \(resharing.holders) share-holders' shares") { h, reply, _ in
            let blobs = try HEBlobsMessage.decode(reply.message).blobs(expecting: .holderDecryptionShares, epochOrRound: round, sender: h)
            return (try codec.receiveHolderDecryptionShares(blobs), bodies[h]!.count, reply.message.count)
        }
        if let signal = remote.stopSignal { throw PipelineError.interrupted(signal: signal) }
        return shares
    }
}
