import HomomorphicEncryption
import Randomness
import Synchronization

/// A share-holder's keys of DP + HE + MPC, per (job, key epoch): its share S_h of the epoch's
/// collective secret, summed from every key holder's fragment (memory only: a restarted holder
/// has no share, and the rounds it cannot decrypt fail naming it), and the rounds it decrypted.
final class HolderKeyShares: Sendable {
    struct EpochKey: Hashable, Sendable { var job: UInt64; var epoch: Int }
    struct RoundKey: Hashable, Sendable { var job: UInt64; var round: Int }
    private let state = Mutex<(shares: [EpochKey: HolderKeyShare], decrypted: Set<RoundKey>)>(([:], []))

    func keep(_ share: HolderKeyShare, for key: EpochKey) {
        state.withLock { state in
            state.shares = state.shares.filter { $0.key.job != key.job || $0.key.epoch > key.epoch }
            state.shares[key] = share
        }
    }

    func share(for key: EpochKey) -> HolderKeyShare? { state.withLock { $0.shares[key] } }

    /// Marks `round` decrypted; false when it already was.
    func markDecrypted(_ round: RoundKey) -> Bool { state.withLock { $0.decrypted.insert(round).inserted } }
}

extension ShareHolderAgent {
    /// The job's HE setup from the holder's own copy of the manifest (the agents' and the
    /// orchestrator's call), and its re-sharing among the M holders.
    static func heSetup(_ job: HolderJob) throws -> (setup: HESetup, resharing: SecretKeyResharing) {
        let manifest = job.manifest
        guard manifest.privacy.homomorphicEncryption else { throw AgentError.refused("the job has no homomorphic encryption") }
        let setup = try HESetup.ofParty(manifest)
        guard let resharing = setup.resharing else { throw AgentError.refused("the job's key holders decrypt themselves") }
        return (setup, resharing)
    }

    /// Sums every key holder's sealed fragment of `epoch` into its share S_h of the epoch's
    /// secret (Σ_h S_h = s, which nobody forms) and keeps it. It takes the fragments of every one
    /// of the job's key holders or none: a share that missed one would decrypt nothing.
    func keyShare(_ request: HolderKeyRequest) throws -> AgentStepReply {
        let job = try job(id: request.jobId, holder: request.holder, manifestText: request.manifestText)
        let (setup, resharing) = try Self.heSetup(job)
        let clients = request.contributions.map(\.client)
        guard clients == setup.keyHolders else {
            throw AgentError.refused("epoch \(request.epoch)'s key needs the fragments of key holders \(setup.keyHolders); the request has \(clients)")
        }
        var share = HolderKeyShare(context: setup.context, holder: request.holder, holders: resharing.holders, secrets: setup.codec.secretsPerKey)
        for (client, plaintext) in try open(request.contributions, purpose: .keyFragment, round: request.epoch, jobId: request.jobId,
                                            job: job, holder: request.holder) {
            do { try share.receive(try HESerialization.deserializeKeyFragment(plaintext, context: setup.context), resharing: resharing) } catch {
                throw AgentError.refused("client \(client)'s key fragment does not read: \(error)")
            }
        }
        keyShares.keep(share, for: HolderKeyShares.EpochKey(job: request.jobId, epoch: request.epoch))
        return AgentStepReply(message: [])
    }

    /// Its smudged decryption shares of round R's aggregate (stream `he/round/R/decrypt` of its
    /// root), once per round: a second download of the round could be another vector.
    func decryptionShares(_ request: HolderDecryptRequest) throws -> AgentStepReply {
        let job = try job(id: request.jobId, holder: request.holder, manifestText: request.manifestText)
        let (setup, resharing) = try Self.heSetup(job)
        let epoch = setup.epoch(ofRound: request.round)
        guard let key = keyShares.share(for: HolderKeyShares.EpochKey(job: request.jobId, epoch: epoch)) else {
            throw AgentError.refused("no key share of job \(request.jobId) epoch \(epoch) is held here (this holder restarted since the epoch's key was made)")
        }
        let blobs = try request.download.blobs(expecting: .aggregateDownload, epochOrRound: request.round, sender: request.holder)
        let aggregate = try setup.codec.receiveDownload(blobs, count: PreparedJob.architecture(of: job.manifest.model).parameterCount)
        guard keyShares.markDecrypted(HolderKeyShares.RoundKey(job: request.jobId, round: request.round)) else {
            throw AgentError.refused("round \(request.round) was decrypted already")
        }
        let shares = HEShareHolderSteps.decryptionShares(streams: RandomStreams(root: job.root), key: key, round: request.round, aggregate: aggregate,
                                                         codec: setup.codec, resharing: resharing, threads: job.manifest.threads)
        return AgentStepReply(message: HEBlobsMessage(.holderDecryptionShares, epochOrRound: request.round, sender: request.holder, blobs: shares).encoded())
    }
}
