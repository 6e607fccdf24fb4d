import Crypto
import Foundation
import Learning
import Provisioning
import Randomness
import ResultsStore
import SecureComputation
import Synchronization
import Wire

/// A share-holder of additive secure aggregation as a party on its own machine (`privfed
/// share-holder`, issue 14): one of M non-colluding holders, each of which receives one share of
/// every client's update, sealed for it, and gives the orchestrator only the sum of its shares.
/// It has no data; its secrets are its root for each job (`JobRootFiles`) and the X25519 key it
/// makes from it, whose public half it signs for the agents.
///
/// It decides what it sums, not the orchestrator: a dishonest orchestrator would ask one holder
/// for a "sum" over a single client, or over that client and clients of its own making, and add
/// the other holders' answers to open the client's update. So a holder sums only shares that
/// open under its key and carry the signature of a distinct agent its CA certified, at least
/// `quorum` of them (`SecureAggregationRoundState.agentsQuorum`, from its own copy of the
/// manifest), and only one set of shares per round: it records each sum before it answers
/// (`partial-sums.jsonl` in its state folder) and refuses another set for a round, across restarts.
public final class ShareHolderAgent: Sendable {
    public let name: String
    let stateDirectory: String
    let caPEM: String
    let sign: @Sendable ([UInt8]) throws -> [UInt8]
    let report: @Sendable (AgentWorkEvent) -> Void
    /// One job message at a time: a sum's record and its answer are one step.
    private let serial = Mutex(())
    /// DP + HE + MPC: its key shares and the rounds it decrypted.
    let keyShares = HolderKeyShares()

    /// The participant name of holder `h`, as `privfed provision` issues it.
    public static func name(of holder: Int) -> String { "share-holder-\(holder)" }

    /// - Throws: `SecretsError` when the state folder cannot be made.
    public init(name: String, stateDirectory: String, caPEM: String, sign: @escaping @Sendable ([UInt8]) throws -> [UInt8],
                report: @escaping @Sendable (AgentWorkEvent) -> Void = { _ in }) throws {
        self.name = name; self.stateDirectory = stateDirectory; self.caPEM = caPEM; self.sign = sign; self.report = report
        try JobRootFiles.makeStateFolder(stateDirectory)
    }

    /// Answers one job message (a call's body) with its reply's bytes.
    /// - Throws: `AgentError.refused` with the reason, or the error that stopped it.
    public func answer(_ body: [UInt8]) throws -> [UInt8] {
        try serial.withLock { _ in
            switch try WireFrame.kind(of: body) {
            case AgentJobKind.holderOffer:
                let offer = try HolderOffer.decode(body)
                return try reporting(job: offer.jobId, round: nil, { try accept(offer) }) { _ in .holderAccepted(job: offer.jobId, holder: offer.holder) }
            case AgentJobKind.holderSumRequest:
                let request = try HolderSumRequest.decode(body)
                return try reporting(job: request.jobId, round: request.round, { try partialSum(request) }) { _ in
                    .partialSum(job: request.jobId, round: request.round, clients: request.contributions.count)
                }
            case AgentJobKind.holderKeyRequest:
                let request = try HolderKeyRequest.decode(body)
                return try reporting(job: request.jobId, round: nil, { try keyShare(request) }) { _ in
                    .holderKey(job: request.jobId, epoch: request.epoch, clients: request.contributions.count)
                }
            case AgentJobKind.holderDecryptRequest:
                let request = try HolderDecryptRequest.decode(body)
                return try reporting(job: request.jobId, round: request.round, { try decryptionShares(request) }) { _ in
                    .heStep(job: request.jobId, round: request.round, step: "holder-decryption-shares")
                }
            case let kind: throw AgentError.refused("a share-holder answers no job message of kind \(kind)")
            }
        }
    }

    private func reporting<Reply: WireMessage>(job: UInt64, round: Int?, _ work: () throws -> Reply,
                                               done: (Reply) -> AgentWorkEvent) throws -> [UInt8] {
        try AgentWorkEvent.answering(report, job: job, round: round, work, done: done)
    }

    /// A job as this holder reads it: the manifest parsed here, its root and its key for the job.
    struct HolderJob {
        var manifest: JobManifest
        var manifestSha256: String
        var root: SecretRoot
        var key: Curve25519.KeyAgreement.PrivateKey
    }

    func job(id: UInt64, holder: Int, manifestText: String) throws -> HolderJob {
        let manifest: JobManifest
        do { manifest = try ManifestReader().parse(manifestText, file: "job \(id)'s manifest") } catch {
            throw AgentError.refused("the manifest does not read: \(error)")
        }
        let p = manifest.privacy
        guard manifest.federation.deployment == .agents else { throw AgentError.refused("the manifest is not for deployment: agents") }
        guard p.secureAggregation == .additive else {
            throw AgentError.refused("a share-holder takes part in additive secure aggregation (with or without HE) only; the job has "
                                     + "secure_aggregation: \(p.secureAggregation.rawValue)")
        }
        guard (0..<p.effectiveShareHolders).contains(holder) else {
            throw AgentError.refused("holder \(holder) is not one of the job's \(p.effectiveShareHolders) share-holders")
        }
        guard Self.name(of: holder) == name else { throw AgentError.refused("this is \(name); it holds no other holder's shares") }
        let sha = ResultsStore.Digest.sha256Hex(manifestText)
        let root = try JobRootFiles(stateDirectory: stateDirectory, owner: name).root(job: id, manifestSha256: sha, party: .shareHolder(holder))
        var stream = RandomStreams(root: root).generator("share-holder/key-agreement")
        return HolderJob(manifest: manifest, manifestSha256: sha, root: root, key: ShareSealing.privateKey(from: &stream))
    }

    func accept(_ offer: HolderOffer) throws -> HolderAcceptance {
        let job = try job(id: offer.jobId, holder: offer.holder, manifestText: offer.manifestText)
        let key = Array(job.key.publicKey.rawRepresentation)
        let statement = HolderKeyStatement(jobId: offer.jobId, manifestSha256: job.manifestSha256, holder: offer.holder, publicKey: key)
        return HolderAcceptance(rootCommitment: job.root.commitment(owner: Party.shareHolder(offer.holder).description), publicKey: key,
                                signature: try sign(statement.bytes))
    }

    /// The holder's sum of the round's shares it was sent, signed, once each contribution checks.
    func partialSum(_ request: HolderSumRequest) throws -> AgentStepReply {
        let job = try job(id: request.jobId, holder: request.holder, manifestText: request.manifestText)
        let manifest = job.manifest
        let clients = request.contributions.map(\.client)
        let quorum = SecureAggregationRoundState.agentsQuorum(manifest)
        guard clients.count >= quorum else {
            throw AgentError.refused("a partial sum over \(clients.count) client\(clients.count == 1 ? "" : "s") would be fewer than the "
                                     + "\(quorum) the manifest's rounds need: it could single a client out")
        }
        guard clients.count <= manifest.federation.clientsPerRound, Set(clients).count == clients.count,
              clients.allSatisfy({ (0..<manifest.dataset.clients).contains($0) }) else {
            throw AgentError.refused("the round's clients \(clients) are not distinct clients of the job, at most \(manifest.federation.clientsPerRound)")
        }
        guard !manifest.privacy.homomorphicEncryption else {
            throw AgentError.refused("the job's updates are encrypted (DP + HE + MPC): its share-holders decrypt, they sum no shares")
        }
        var holder = AdditiveShareHolder(holder: request.holder, parameters: PreparedJob.architecture(of: manifest.model).parameterCount)
        for (client, plaintext) in try open(request.contributions, purpose: .additiveShare, round: request.round, jobId: request.jobId,
                                            job: job, holder: request.holder) {
            let message = try AdditiveShareMessage.decode(plaintext)
            guard message.client == client, message.holder == request.holder else {
                throw AgentError.refused("client \(client)'s share names client \(message.client) and holder \(message.holder)")
            }
            try holder.receive(message)
        }
        let record = PartialSumRecord(job: request.jobId, manifestSha256: job.manifestSha256, round: request.round, clients: clients.sorted(),
                                      sharesSha256: ResultsStore.Digest.sha256Hex(request.contributions.sorted { $0.client < $1.client }.flatMap(\.share.ciphertext)))
        try PartialSumRecord.admit(record, in: stateDirectory)
        let partial = holder.partialSum().encoded()
        let statement = PartialSumStatement(jobId: request.jobId, manifestSha256: job.manifestSha256, round: request.round, holder: request.holder,
                                            partialSumSha256: ResultsStore.Digest.sha256Hex(partial))
        return AgentStepReply(message: partial, signature: try sign(statement.bytes))
    }

    /// The plaintexts of `contributions` (by client, in order), once each comes from a distinct
    /// agent its CA certified, is signed by it for this slot, and opens under the holder's key.
    func open(_ contributions: [HolderContribution], purpose: ShareContext.Purpose, round: Int, jobId: UInt64, job: HolderJob,
              holder: Int) throws -> [(client: Int, plaintext: [UInt8])] {
        var agents: Set<String> = []
        return try contributions.map { contribution in
            let client = contribution.client
            let who: Participant
            do {
                who = try PeerCertificate.verified(contribution.certificatePEM, caPEM: caPEM, role: .agent, what: "client \(client)'s certificate")
            } catch { throw AgentError.refused("\(error)") }
            guard agents.insert(who.name).inserted else { throw AgentError.refused("\(who.name) signed more than one of the round's shares") }
            let context = ShareContext(purpose: purpose, jobId: jobId, manifestSha256: job.manifestSha256, round: round, client: client, holder: holder)
            guard contribution.share.holder == holder,
                  ParticipantSignature.isValid(contribution.share.signature, on: SealedShareStatement(
                      context: context, roundKey: contribution.roundKey, share: contribution.share).bytes, certificatePEM: contribution.certificatePEM) else {
                throw AgentError.refused("client \(client)'s share is not signed by \(who.name) for this job, round and holder")
            }
            return (client, try ShareSealing.open(contribution.share, roundKey: contribution.roundKey, holderKey: job.key, context: context))
        }
    }
}
