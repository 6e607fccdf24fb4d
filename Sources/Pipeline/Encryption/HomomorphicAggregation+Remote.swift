import HomomorphicEncryption
import ResultsStore
import Wire

/// Threshold HE when the key holders are agents on their own machines (`deployment: agents`):
/// the same protocol as in one process (Mouchet et al. 2021, Protocols 1 and 3), each key
/// holder's step an `HEStepRequest` to its agent (`AgentDevice.heStep`). An agent keeps its
/// update after training (`RoundState.heldAtAgents`) and sends it only encrypted under the
/// collective key, signed; it makes its key share from its own root and never sends it.
///
/// Threshold decryption needs every key holder (K-out-of-K): a key holder that does not answer
/// fails the round, naming it.
extension HomomorphicAggregation {
    /// One call per key holder at once, each with its own `HEBlobsMessage`; the replies' messages
    /// by client, or the round's failure naming every agent without one.
    static func callKeyHolders(_ messages: [Int: HEBlobsMessage], round: Int, stage: StageName, job: PreparedJob,
                               remote: any RemoteClients) throws -> [Int: (reply: AgentStepReply, certificatePEM: String)] {
        let (replies, missing) = try askKeyHolders(messages, round: round, job: job, remote: remote)
        guard missing.isEmpty else {
            throw PipelineError.stage(stage.rawValue, "round \(round): threshold decryption needs every key holder, and "
                                      + "\(missing.count) of \(messages.count) did not answer; missing: "
                                      + missing.sorted { $0.key < $1.key }.map { "\(remote.agent(of: $0.key)) (\($0.value))" }.joined(separator: "; "))
        }
        return replies
    }

    /// `callKeyHolders` without the failure: the replies, and why each missing one is missing.
    static func askKeyHolders(_ messages: [Int: HEBlobsMessage], round: Int, job: PreparedJob, remote: any RemoteClients)
        throws -> (replies: [Int: (reply: AgentStepReply, certificatePEM: String)], missing: [Int: String]) {
        var bodies: [Int: [UInt8]] = [:]
        for (client, message) in messages {
            bodies[client] = HEStepRequest(jobId: remote.jobId, client: client, round: round, message: message).encoded()
        }
        let answers = remote.call(bodies, deadline: .milliseconds(Int(job.manifest.federation.roundTimeoutSeconds * 1000)))
        if let signal = remote.stopSignal { throw PipelineError.interrupted(signal: signal) }
        var replies: [Int: (reply: AgentStepReply, certificatePEM: String)] = [:]
        var missing: [Int: String] = [:]
        for client in messages.keys.sorted() {
            switch answers[client] {
            case .success(let answer):
                do { replies[client] = (try AgentStepReply.decode(answer.body), answer.certificatePEM) } catch {
                    missing[client] = "its reply does not read: \(error)"
                }
            case .failure(let failure): missing[client] = failure.reason
            case nil: missing[client] = "no reply"
            }
        }
        return (replies, missing)
    }

    /// The key holders' public-key shares of `epoch`, as their agents sent them.
    static func remotePublicKeyShares(epoch: Int, round: Int, setup: HESetup, job: PreparedJob, remote: any RemoteClients) throws -> [[UInt8]] {
        let asks = Dictionary(uniqueKeysWithValues: setup.keyHolders.map { ($0, HEBlobsMessage(.publicKeyShare, epochOrRound: epoch, sender: $0, blobs: [])) })
        let replies = try callKeyHolders(asks, round: round, stage: .encrypt, job: job, remote: remote)
        return try setup.keyHolders.flatMap { c in
            try HEBlobsMessage.decode(replies[c]!.reply.message).blobs(expecting: .publicKeyShare, epochOrRound: epoch, sender: c)
        }
    }

    /// `encrypt` for an agent's held update: the agent answers with its update encrypted under
    /// the epoch's collective key, signed (`UploadStatement` over the SHA-256 of its
    /// `ClientUpdateMessage` frame). The key (k + 1 polynomials at the full modulus, the largest
    /// message of the protocol) goes with the agent's first request of the epoch and is kept
    /// there; an agent that lost it (it restarted) refuses the request without it, and is asked
    /// again with the key. An upload that does not check is refused and recorded; the round then
    /// fails at decryption's K-out-of-K, naming the agent.
    public mutating func protectAtAgent(_ client: Int, round state: inout RoundState, job: PreparedJob, remote: any RemoteClients) throws -> [StageMetric] {
        guard state.heldAtAgents[client] != nil else { return [StageMetric("held_at_agent", 0, "count")] }
        guard let key = current else { preconditionFailure("encrypt runs after the round's key") }
        func ask(withKey: Bool) -> HEBlobsMessage {
            HEBlobsMessage(.publicKey, epochOrRound: key.epoch, sender: client,
                           blobs: withKey ? [HESerialization.serialize(key.publicKey, context: setup.context)] : [])
        }
        var keyBytes = 0
        var answer = keyDelivered.contains(client) ? try Self.askKeyHolders([client: ask(withKey: false)], round: state.round, job: job, remote: remote).replies[client] : nil
        if answer == nil {
            let message = ask(withKey: true)
            keyBytes = message.blobs[0].count
            if setup.resharing != nil {
                // DP + HE + MPC: the share-holders decrypt, so an agent that does not upload is a
                // dropout of the round, not its failure (`aggregate` checks the round's quorum).
                answer = try Self.askKeyHolders([client: message], round: state.round, job: job, remote: remote).replies[client]
                if answer == nil { return [StageMetric("held_at_agent", 1, "count"), StageMetric("dropped", 1, "count")] }
            } else {
                answer = try Self.callKeyHolders([client: message], round: state.round, stage: .encrypt, job: job, remote: remote)[client]
            }
        }
        keyDelivered.insert(client)
        let (reply, certificatePEM) = answer!
        let agent = remote.agent(of: client)
        let sha = Digest.sha256Hex(reply.message)
        let statement = UploadStatement(jobId: remote.jobId, manifestSha256: remote.manifestSha256, round: state.round, client: client, deltaSha256: sha)
        var refusal = statement.refusal(signature: reply.signature, certificatePEM: certificatePEM, agent: agent)
        var upload: ClientUpdateMessage?
        if refusal == nil {
            do {
                let update = try ClientUpdateMessage.decode(reply.message)
                guard update.client == client, update.round == state.round, case .encrypted(let e) = update.payload,
                      e.keyID == key.keyID, e.valueCount == state.global.parameters.count else {
                    throw RemoteFailure("it is not client \(client)'s update of \(state.global.parameters.count) values for round \(state.round) under the epoch's key")
                }
                upload = update
            } catch { refusal = "\(error)" }
        }
        state.uploads.append(UploadRecord(round: state.round, client: client, agent: agent, deltaSha256: sha, signature: Hex.encode(reply.signature),
                                          certificatePEM: certificatePEM, verdict: refusal.map { "refused: \($0)" } ?? UploadRecord.accepted))
        var metrics = [StageMetric("held_at_agent", 1, "count"), StageMetric("public_key_bytes", Double(keyBytes), "bytes")]
        guard let upload else { return metrics + [StageMetric("refused", 1, "count")] }
        state.outbox.append(upload)
        metrics.append(StageMetric("ciphertexts", Double(setup.codec.ciphertextCount(forValues: upload.valueCount)), "count"))
        return metrics
    }

    /// Every key holder's decryption shares of `download` (the aggregate's c1), made at its agent.
    func remoteDecryptionShares(download: [[UInt8]], round: Int, job: PreparedJob,
                                remote: any RemoteClients) throws -> [(shares: [DecryptionShare], downloaded: Int, sent: Int)] {
        let asks = Dictionary(uniqueKeysWithValues: setup.keyHolders.map { ($0, HEBlobsMessage(.aggregateDownload, epochOrRound: round, sender: $0, blobs: download)) })
        let downloaded = asks.values.first.map { $0.encoded().count } ?? 0
        let replies = try Self.callKeyHolders(asks, round: round, stage: .decrypt, job: job, remote: remote)
        return try setup.keyHolders.map { c in
            let message = replies[c]!.reply.message
            let blobs = try HEBlobsMessage.decode(message).blobs(expecting: .decryptionShares, epochOrRound: round, sender: c)
            return (try setup.codec.receiveDecryptionShares(blobs), downloaded, message.count)
        }
    }
}

extension ClientUpdateMessage {
    /// The number of values the update carries.
    var valueCount: Int {
        switch payload {
        case .plain(let delta): return delta.count
        case .encrypted(let e): return e.valueCount
        }
    }
}
