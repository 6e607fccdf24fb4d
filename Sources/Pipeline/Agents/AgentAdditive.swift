import Provisioning
import Randomness
import SecureComputation

extension AgentDevice {
    /// Additive secure aggregation, the client's side with share-holders on their own machines:
    /// the held update, weighted by its public sample count as `SecureSum.protect` weights it, is
    /// split into M additive shares from stream `round/R/additive-shares` of the agent's root (the
    /// simulation's stream, so the sum is the simulated twin's), and each share is sealed for its
    /// holder (`ShareSealing`) and signed. The orchestrator relays the shares and can open none.
    ///
    /// The agent checks each holder's key itself: certified by its own CA for that holder, and
    /// signed by it for this job — a key the orchestrator made would let it open every share.
    func additiveShares(_ request: AdditiveShareRequest) throws -> AgentStepReply {
        let key = AgentRoundSessions.Key(job: request.jobId, round: request.round)
        let reply: AgentStepReply = try rounds.with(key) { session in
            let held = session.held, job = held.job, manifest = job.manifest, p = manifest.privacy
            guard held.client == request.client else {
                throw AgentError.refused("round \(request.round) was trained as client \(held.client), not \(request.client)")
            }
            guard p.secureAggregation == .additive, !p.homomorphicEncryption else {
                throw AgentError.refused("the job's manifest does not protect its updates by additive sharing alone")
            }
            let holders = p.effectiveShareHolders
            guard request.holders.map(\.holder) == Array(0..<holders) else {
                throw AgentError.refused("the manifest has \(holders) share-holders; the request names \(request.holders.map(\.holder))")
            }
            guard (1...manifest.federation.clientsPerRound).contains(request.summands) else {
                throw AgentError.refused("a sum of \(request.summands) clients is not a round of at most \(manifest.federation.clientsPerRound)")
            }
            guard let caPEM else { throw AgentError.refused("this agent has no CA certificate to check the share-holders' keys with") }
            for holder in request.holders {
                try Self.checkHolderKey(holder, jobId: request.jobId, manifestSha256: job.manifestSha256, caPEM: caPEM)
            }
            let encoding = try FixedPointEncoding(fractionalBits: SecureAggregationRoundPlan.fractionalBits, maxSummands: request.summands)
            let weight = Float(held.sampleCount)
            let streams = RandomStreams(root: job.root)
            var generator = streams.generator("round/\(request.round)/additive-shares")
            let messages = try AdditiveAggregation(holders: holders, encoding: encoding)
                .protect(update: held.delta.map { $0 * weight }, client: request.client, using: &generator)
            var keyStream = streams.generator("round/\(request.round)/additive-shares/key")
            let roundKey = ShareSealing.privateKey(from: &keyStream)
            let roundPublic = Array(roundKey.publicKey.rawRepresentation)
            let sealed = try messages.map { message -> SealedShare in
                let context = ShareContext(jobId: request.jobId, manifestSha256: job.manifestSha256, round: request.round,
                                           client: request.client, holder: message.holder)
                let box = try ShareSealing.seal(message.encoded(), roundKey: roundKey, holderKey: request.holders[message.holder].publicKey,
                                                context: context)
                var share = SealedShare(holder: message.holder, salt: box.salt, ciphertext: box.ciphertext, signature: [])
                share.signature = try sign(SealedShareStatement(context: context, roundKey: roundPublic, share: share).bytes)
                return share
            }
            let shares = SealedShares(client: request.client, round: request.round, roundKey: roundPublic, shares: sealed)
            let statement = UploadStatement(jobId: request.jobId, manifestSha256: job.manifestSha256, round: request.round,
                                            client: request.client, deltaSha256: shares.sha256)
            return AgentStepReply(message: shares.encoded(), signature: try sign(statement.bytes))
        }
        rounds.close(key)
        return reply
    }

    /// Refuses a holder key unless its certificate is this federation's, issued to
    /// `share-holder-H` for the holder it stands for, and its signature binds the key to this job.
    static func checkHolderKey(_ key: HolderKey, jobId: UInt64, manifestSha256: String, caPEM: String) throws {
        let who: Participant
        do {
            who = try PeerCertificate.verified(key.certificatePEM, caPEM: caPEM, role: .shareHolder, what: "share-holder \(key.holder)'s certificate")
        } catch { throw AgentError.refused("\(error)") }
        guard who.name == ShareHolderAgent.name(of: key.holder) else {
            throw AgentError.refused("the key for share-holder \(key.holder) comes with \(who.name)'s certificate")
        }
        guard key.isSigned(jobId: jobId, manifestSha256: manifestSha256) else {
            throw AgentError.refused("share-holder \(key.holder)'s key is not signed by \(who.name) for this job")
        }
    }
}
