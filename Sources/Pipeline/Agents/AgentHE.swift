import HomomorphicEncryption
import Randomness
import ResultsStore
import Wire

extension AgentDevice {
    /// Answers one HE step for the round whose update it holds, as a key holder of the job's
    /// threshold key (Mouchet et al. 2021): its public-key share of the round's epoch, its
    /// encrypted update, or its smudged decryption shares of the round's aggregate. The job's HE
    /// parameters come from its own copy of the manifest (`HESetup.make`, the orchestrator's
    /// call), the common reference polynomial from the manifest's public seed, and every secret
    /// from its own root: its key share is the first draws of stream `he/epoch/E/key`, made again
    /// when it is needed rather than stored.
    ///
    /// An orchestrator that asked for decryption shares of one agent's upload instead of the
    /// round's sum would open that upload (every key holder's share is needed, and an agent cannot
    /// tell a sum from a single ciphertext). The agent answers one decryption per round, so at
    /// most one vector is opened per round, and under DP its update is already a DP release; the
    /// orchestrator is trusted to be honest-but-curious, as in the simulation's threat model.
    func heStep(_ request: HEStepRequest) throws -> AgentStepReply {
        let key = AgentRoundSessions.Key(job: request.jobId, round: request.round)
        let message = request.message
        // The round closes with its decryption shares: a second request finds nothing to answer.
        defer { if message.purpose == .aggregateDownload { rounds.close(key) } }
        return try rounds.with(key) { session in
            guard session.held.client == request.client, message.sender == request.client else {
                throw AgentError.refused("round \(request.round) was trained as client \(session.held.client), not \(request.client)")
            }
            let job = session.held.job
            let setup = try Self.heSetup(&session)
            let streams = RandomStreams(root: job.root)
            let epoch = setup.epoch(ofRound: request.round)
            switch message.purpose {
            case .publicKeyShare:
                guard message.epochOrRound == epoch else { throw AgentError.refused("round \(request.round) is in key epoch \(epoch), not \(message.epochOrRound)") }
                let generation = setup.keyGeneration(epoch: epoch, publicStreams: RandomStreams(seed: job.manifest.seed))
                let (_, wire) = HEKeyHolderSteps.publicKeyShare(streams: streams, epoch: epoch, secrets: setup.codec.secretsPerKey, generation: generation)
                return AgentStepReply(message: HEBlobsMessage(.publicKeyShare, epochOrRound: epoch, sender: request.client, blobs: [wire]).encoded())
            case .publicKey:
                let blobs = try message.blobs(expecting: .publicKey, epochOrRound: epoch, sender: request.client)
                let epochKey = AgentRoundSessions.EpochKey(job: request.jobId, epoch: epoch)
                let publicKey: PublicKey
                switch blobs.count {
                case 0:
                    // The epoch's key was sent with an earlier round's request.
                    guard let kept = rounds.key(for: epochKey) else { throw AgentError.refused("no collective key of epoch \(epoch) is held here") }
                    publicKey = kept
                case 1:
                    publicKey = try HESerialization.deserializePublicKey(blobs[0], context: setup.context)
                    guard publicKey.secretCount == setup.codec.secretsPerKey else {
                        throw AgentError.refused("the collective key has \(publicKey.secretCount) secrets; the manifest's setup has \(setup.codec.secretsPerKey)")
                    }
                    rounds.keep(publicKey, for: epochKey)
                default: throw AgentError.refused("\(blobs.count) public keys, expected at most 1")
                }
                var rng = streams.generator("he/round/\(request.round)/encrypt")
                let delta = session.held.delta
                let vector = try setup.codec.encrypt(delta, publicKey: publicKey, rng: &rng, threads: job.manifest.threads)
                let upload = ClientUpdateMessage(client: request.client, round: request.round, sampleCount: session.held.sampleCount,
                                                 payload: .encrypted(EncryptedUpdate(valueCount: delta.count, epoch: epoch, keyID: publicKey.keyID,
                                                                                     ciphertexts: setup.codec.wireForm(of: vector))))
                let frame = upload.encoded()
                let statement = UploadStatement(jobId: request.jobId, manifestSha256: job.manifestSha256, round: request.round,
                                                client: request.client, deltaSha256: Digest.sha256Hex(frame))
                return AgentStepReply(message: frame, signature: try sign(statement.bytes))
            case .aggregateDownload:
                guard setup.resharing == nil else {
                    throw AgentError.refused("the job's share-holders decrypt (DP + HE + MPC); a key holder makes no decryption shares")
                }
                let blobs = try message.blobs(expecting: .aggregateDownload, epochOrRound: request.round, sender: request.client)
                let aggregate = try setup.codec.receiveDownload(blobs, count: session.held.delta.count)
                let secret = HEKeyHolderSteps.secretKey(streams: streams, epoch: epoch, secrets: setup.codec.secretsPerKey, context: setup.context)
                let shares = HEKeyHolderSteps.decryptionShares(streams: streams, secret: secret, round: request.round, aggregate: aggregate,
                                                               codec: setup.codec, threads: job.manifest.threads)
                return AgentStepReply(message: HEBlobsMessage(.decryptionShares, epochOrRound: request.round, sender: request.client, blobs: shares).encoded())
            case let other:
                throw AgentError.refused("no HE step of an agent is \(other)")
            }
        }
    }

    /// The job's HE setup from the agent's own copy of the manifest, made once per round session.
    static func heSetup(_ session: inout AgentRoundSession) throws -> HESetup {
        if let made = session.he { return made }
        let setup = try HESetup.ofParty(session.held.job.manifest)
        session.he = setup
        return setup
    }

    /// DP + HE + MPC: re-shares its secret-key share of `epoch` (made again from stream
    /// `he/epoch/E/key` of its root) among the share-holders, the simulation's split (stream
    /// `he/epoch/E/key-resharing`), each fragment sealed for its holder's key
    /// (`ShareSealing`, purpose `keyFragment`, the agent's X25519 key of the epoch from stream
    /// `he/epoch/E/key-resharing/key`) and signed. The holders' keys are checked as for additive
    /// sharing: a key of the orchestrator's would let it sum the fragments into the agent's share.
    func keyFragments(_ request: KeyFragmentRequest) throws -> AgentStepReply {
        try rounds.with(AgentRoundSessions.Key(job: request.jobId, round: request.round)) { session in
            guard session.held.client == request.client else {
                throw AgentError.refused("round \(request.round) was trained as client \(session.held.client), not \(request.client)")
            }
            let job = session.held.job
            let setup = try Self.heSetup(&session)
            guard let resharing = setup.resharing else { throw AgentError.refused("the job's key holders decrypt themselves; there is nothing to re-share") }
            guard setup.epoch(ofRound: request.round) == request.epoch else {
                throw AgentError.refused("round \(request.round) is in key epoch \(setup.epoch(ofRound: request.round)), not \(request.epoch)")
            }
            try checkHolderKeys(request.holders, job: job, jobId: request.jobId)
            let streams = RandomStreams(root: job.root)
            let secret = HEKeyHolderSteps.secretKey(streams: streams, epoch: request.epoch, secrets: setup.codec.secretsPerKey, context: setup.context)
            var keyStream = streams.generator("he/epoch/\(request.epoch)/key-resharing/key")
            let fragments = try sealed(HEKeyHolderSteps.keyFragments(streams: streams, secret: secret, epoch: request.epoch, resharing: resharing),
                                       for: request.holders, purpose: .keyFragment, jobId: request.jobId, manifestSha256: job.manifestSha256,
                                       round: request.epoch, client: request.client, roundKey: ShareSealing.privateKey(from: &keyStream))
            return AgentStepReply(message: fragments.encoded())
        }
    }
}

extension HESetup {
    /// The job's HE setup as a party on its own machine makes it from its own copy of the manifest
    /// (the orchestrator's call, without the DP plan: client-level DP is not run with agents).
    /// - Throws: `AgentError.refused` when the manifest's parameters make no setup.
    static func ofParty(_ manifest: JobManifest) throws -> HESetup {
        do {
            return try HESetup.make(manifest, noiseMultiplier: nil, maxGradNorm: nil,
                                    parameterCount: PreparedJob.architecture(of: manifest.model).parameterCount)
        } catch { throw AgentError.refused("the manifest's HE parameters do not make a setup: \(error)") }
    }
}
