import Crypto
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
            guard (1...manifest.federation.clientsPerRound).contains(request.summands) else {
                throw AgentError.refused("a sum of \(request.summands) clients is not a round of at most \(manifest.federation.clientsPerRound)")
            }
            try checkHolderKeys(request.holders, job: job, jobId: request.jobId)
            let encoding = try FixedPointEncoding(fractionalBits: SecureAggregationRoundPlan.fractionalBits, maxSummands: request.summands)
            let weight = Float(held.sampleCount)
            let streams = RandomStreams(root: job.root)
            var generator = streams.generator("round/\(request.round)/additive-shares")
            let messages = try AdditiveAggregation(holders: holders, encoding: encoding)
                .protect(update: held.delta.map { $0 * weight }, client: request.client, using: &generator)
            var keyStream = streams.generator("round/\(request.round)/additive-shares/key")
            let shares = try sealed(messages.map { $0.encoded() }, for: request.holders, purpose: .additiveShare, jobId: request.jobId,
                                    manifestSha256: job.manifestSha256, round: request.round, client: request.client,
                                    roundKey: ShareSealing.privateKey(from: &keyStream))
            let statement = UploadStatement(jobId: request.jobId, manifestSha256: job.manifestSha256, round: request.round,
                                            client: request.client, deltaSha256: shares.sha256)
            return AgentStepReply(message: shares.encoded(), signature: try sign(statement.bytes))
        }
        rounds.close(key)
        return reply
    }

    /// `plaintexts[h]` sealed for holder h's key (`ShareSealing`) in the slot of `purpose`,
    /// `round` (or epoch) and `client`, each signed (`SealedShareStatement`).
    func sealed(_ plaintexts: [[UInt8]], for holders: [HolderKey], purpose: ShareContext.Purpose, jobId: UInt64, manifestSha256: String,
                round: Int, client: Int, roundKey: Curve25519.KeyAgreement.PrivateKey) throws -> SealedShares {
        let roundPublic = Array(roundKey.publicKey.rawRepresentation)
        let shares = try plaintexts.enumerated().map { h, plaintext -> SealedShare in
            let context = ShareContext(purpose: purpose, jobId: jobId, manifestSha256: manifestSha256, round: round, client: client, holder: h)
            let box = try ShareSealing.seal(plaintext, roundKey: roundKey, holderKey: holders[h].publicKey, context: context)
            var share = SealedShare(holder: h, salt: box.salt, ciphertext: box.ciphertext, signature: [])
            share.signature = try sign(SealedShareStatement(context: context, roundKey: roundPublic, share: share).bytes)
            return share
        }
        return SealedShares(client: client, round: round, roundKey: roundPublic, shares: shares)
    }

    /// Refuses the holders' keys unless there is one per share-holder of the job's manifest, each
    /// as `checkHolderKey` requires.
    func checkHolderKeys(_ keys: [HolderKey], job: AgentJob, jobId: UInt64) throws {
        let holders = job.manifest.privacy.effectiveShareHolders
        guard keys.map(\.holder) == Array(0..<holders) else {
            throw AgentError.refused("the manifest has \(holders) share-holders; the request names \(keys.map(\.holder))")
        }
        guard let caPEM else { throw AgentError.refused("this agent has no CA certificate to check the share-holders' keys with") }
        for key in keys { try Self.checkHolderKey(key, jobId: jobId, manifestSha256: job.manifestSha256, caPEM: caPEM) }
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
