import DifferentialPrivacy
import Foundation
import Learning
import Randomness
import ResultsStore
import Synchronization
import Wire

/// A data holder's agent as a party of jobs (issue 14): its own data, a secret root per job made
/// on its own machine and kept in its state folder (never sent; only its commitment is), and its
/// own privacy ledger. It answers the orchestrator's job messages (`JobOffer`, `TrainRequest`)
/// with the same client step the simulation runs (`LocalUpdate`), and decides every release
/// itself: the noise multiplier the orchestrator sends is checked against the agent's ledger —
/// the job's declared budget and the agent's own `AgentBudget` over all its jobs — and a release
/// past either is refused, whatever the orchestrator asks.
public final class AgentDevice: Sendable {
    public let name: String
    let data: LabeledImages
    let stateDirectory: String
    public let budget: AgentBudget?
    public let ledger: AgentLedger
    /// Its data's features per kind (`trainingData`), made on first use.
    private let features = Mutex<[FeatureName: LabeledImages]>([:])
    /// One job message at a time: a release's budget decision and its ledger line are one step.
    private let serial = Mutex(())
    /// Told of every job message answered or refused (the agent's output lines).
    let report: @Sendable (AgentWorkEvent) -> Void
    /// Signs an upload's statement with the agent's kit key (`ParticipantSignature`).
    let sign: @Sendable ([UInt8]) throws -> [UInt8]
    /// Its kit's CA certificate: what a share-holder's key relayed by the orchestrator is checked against.
    let caPEM: String?
    /// Secure aggregation and HE: the updates this agent trained and keeps, and its protocol
    /// state, per job and round (memory only: a restarted agent is a dropout of the round it was in).
    let rounds = AgentRoundSessions()
    /// A testing aid read by `privfed agent` from `PRIVFED_FAULT_INJECT` (`round:R:secagg:STEP`):
    /// the agent kills itself with SIGKILL before it answers that step.
    let fault: FaultInjection?

    /// - Throws: `AgentError.ledger` for a ledger file that is not one; `SecretsError` when the
    ///   state folder cannot be made.
    public init(name: String, data: LabeledImages, stateDirectory: String, budget: AgentBudget?,
                sign: @escaping @Sendable ([UInt8]) throws -> [UInt8], caPEM: String? = nil, fault: FaultInjection? = nil,
                report: @escaping @Sendable (AgentWorkEvent) -> Void = { _ in }) throws {
        self.name = name; self.data = data; self.stateDirectory = stateDirectory; self.budget = budget; self.report = report
        self.sign = sign; self.caPEM = caPEM; self.fault = fault
        try JobRootFiles.makeStateFolder(stateDirectory)
        ledger = try AgentLedger(path: (stateDirectory as NSString).appendingPathComponent("ledger.jsonl"))
    }

    /// Answers one job message (a call's body) with its reply's bytes.
    /// - Throws: `AgentError.refused` with the reason, or the error that stopped it.
    public func answer(_ body: [UInt8]) throws -> [UInt8] {
        try serial.withLock { _ in
            switch try WireFrame.kind(of: body) {
            case AgentJobKind.offer:
                let offer = try JobOffer.decode(body)
                return try reporting(job: offer.jobId, round: nil, { try accept(offer) }) {
                    .accepted(job: offer.jobId, client: offer.client, examples: $0.examples)
                }
            case AgentJobKind.trainRequest:
                let request = try TrainRequest.decode(body)
                fault?.strike(round: request.round, at: .beforeStage(StageName.localTrain.rawValue))
                return try reporting(job: request.jobId, round: request.round, { try train(request) }) {
                    .trained(job: request.jobId, round: request.round, steps: $0.steps, epsilon: $0.steps > 0 ? $0.epsilonSpent : nil)
                }
            case AgentJobKind.secAggStep:
                let request = try SecAggStepRequest.decode(body)
                fault?.strike(round: request.round, at: .secAggStep(request.step.description))
                return try reporting(job: request.jobId, round: request.round, step: "\(request.step)", { try secAggStep(request) }) { _ in
                    .secAggStep(job: request.jobId, round: request.round, step: request.step.description)
                }
            case AgentJobKind.additiveShareRequest:
                let request = try AdditiveShareRequest.decode(body)
                fault?.strike(round: request.round, at: .additiveShares)
                return try reporting(job: request.jobId, round: request.round, step: "additive shares", { try additiveShares(request) }) { _ in
                    .secAggStep(job: request.jobId, round: request.round, step: "additive-shares")
                }
            case AgentJobKind.keyFragmentRequest:
                let request = try KeyFragmentRequest.decode(body)
                return try reporting(job: request.jobId, round: request.round, step: "HE key fragments", { try keyFragments(request) }) { _ in
                    .heStep(job: request.jobId, round: request.round, step: "key-fragments")
                }
            case AgentJobKind.heStep:
                let request = try HEStepRequest.decode(body)
                let purpose = "\(request.message.purpose)"
                return try reporting(job: request.jobId, round: request.round, step: "HE \(purpose)", { try heStep(request) }) { _ in
                    .heStep(job: request.jobId, round: request.round, step: purpose)
                }
            case let kind: throw AgentError.refused("no job message has kind \(kind)")
            }
        }
    }

    private func reporting<Reply: WireMessage>(job: UInt64, round: Int?, step: String? = nil, _ work: () throws -> Reply,
                                               done: (Reply) -> AgentWorkEvent) throws -> [UInt8] {
        try AgentWorkEvent.answering(report, job: job, round: round, step: step, work, done: done)
    }

    /// A job as this agent reads it: the manifest parsed here, and the job's own root.
    struct AgentJob: Sendable {
        var manifest: JobManifest
        var manifestSha256: String
        var root: SecretRoot
        var party: Party
    }

    /// Reads the offered manifest and refuses what the agent will not run.
    func job(id: UInt64, client: Int, manifestText: String) throws -> AgentJob {
        let manifest: JobManifest
        do { manifest = try ManifestReader().parse(manifestText, file: "job \(id)'s manifest") } catch {
            throw AgentError.refused("the manifest does not read: \(error)")
        }
        guard manifest.federation.deployment == .agents else { throw AgentError.refused("the manifest is not for deployment: agents") }
        guard (0..<manifest.dataset.clients).contains(client) else {
            throw AgentError.refused("client \(client) is not one of the job's \(manifest.dataset.clients) clients")
        }
        let p = manifest.privacy
        if budget != nil, !(p.differentialPrivacy && p.unit == .example) {
            throw AgentError.refused("this agent has a privacy budget and releases only under example-level differential privacy; "
                                     + "the job has \(p.differentialPrivacy ? "unit: \(p.unit.rawValue)" : "none")")
        }
        let sha = Digest.sha256Hex(manifestText)
        let party = Party.client(client)
        return AgentJob(manifest: manifest, manifestSha256: sha, root: try root(job: id, manifestSha256: sha, party: party), party: party)
    }

    /// The job's root, made from the OS's CSPRNG the first time and kept in the state folder
    /// (`JobRootFiles`), so a restarted agent trains on with the same streams.
    func root(job: UInt64, manifestSha256: String, party: Party) throws -> SecretRoot {
        try JobRootFiles(stateDirectory: stateDirectory, owner: name).root(job: job, manifestSha256: manifestSha256, party: party)
    }

    func accept(_ offer: JobOffer) throws -> JobAcceptance {
        let job = try job(id: offer.jobId, client: offer.client, manifestText: offer.manifestText)
        if job.manifest.privacy.differentialPrivacy {
            let shape = PrivacyPlan.exampleShape(job.manifest.federation, examples: data.count)
            guard shape.steps > 0 else { throw AgentError.refused("a round would take no DP-SGD step") }
        }
        return JobAcceptance(examples: data.count, rootCommitment: job.root.commitment(owner: job.party.description))
    }

    func train(_ request: TrainRequest) throws -> TrainReply {
        let job = try job(id: request.jobId, client: request.client, manifestText: request.manifestText)
        let global = try GlobalModelMessage.decode(request.global)
        guard global.round == request.round else {
            throw AgentError.refused("the broadcast model is round \(global.round)'s, the request round \(request.round)'s")
        }
        let manifest = job.manifest, fed = manifest.federation
        let architecture = PreparedJob.architecture(of: manifest.model)
        guard global.parameters.count == architecture.parameterCount else {
            throw AgentError.refused("the broadcast model has \(global.parameters.count) parameters; the manifest's \(manifest.model.architecture.rawValue) has \(architecture.parameterCount)")
        }
        let streams = RandomStreams(root: job.root)
        let data = trainingData(for: manifest)
        let indices = Array(0..<data.count)
        let delta: [Float]
        var steps = 0
        var spent = 0.0
        if manifest.privacy.differentialPrivacy {
            let shape = PrivacyPlan.exampleShape(fed, examples: data.count)
            let entry = AgentLedger.Entry(job: request.jobId, manifestSha256: job.manifestSha256, round: request.round,
                                          samplingRate: shape.samplingRate, noiseMultiplier: request.noiseMultiplier, steps: shape.steps,
                                          globalSha256: Digest.sha256Hex(floats: global.parameters), outputSha256: "", recordedAt: Timestamp.now())
            let repeated = try admit(entry, manifest: manifest)
            let configuration = try DPSGDConfiguration(samplingRate: shape.samplingRate, noiseMultiplier: request.noiseMultiplier,
                                                       maxGradNorm: manifest.privacy.maxGradNorm ?? PrivacyPlan.defaultMaxGradNorm,
                                                       datasetSize: data.count)
            delta = LocalUpdate.dpsgd(architecture: architecture, global: global.parameters, data: data, indices: indices,
                                      configuration: configuration, steps: shape.steps, federation: fed, privacy: manifest.privacy,
                                      learningRate: request.learningRate,
                                      threads: manifest.threads, streams: streams, round: request.round).delta
            // The same round from the same model with the same root is the same bytes: no new spend.
            if !repeated {
                var released = entry
                released.outputSha256 = Digest.sha256Hex(floats: delta)
                try ledger.append(released)
            }
            steps = shape.steps
            spent = try jobEpsilon(manifest: manifest, manifestSha256: job.manifestSha256, jobId: request.jobId)
        } else {
            delta = LocalUpdate.plain(architecture: architecture, global: global.parameters, data: data, indices: indices, federation: fed,
                                      learningRate: request.learningRate, threads: manifest.threads, streams: streams,
                                      round: request.round).delta
        }
        if manifest.privacy.secureAggregation != .none || manifest.privacy.homomorphicEncryption {
            // The update stays here for the round's SecAgg or HE steps; only its public weight leaves.
            rounds.hold(HeldUpdate(job: job, jobId: request.jobId, client: request.client, round: request.round, delta: delta,
                                   sampleCount: data.count))
            let held = UpdateHeld(client: request.client, round: request.round, sampleCount: data.count)
            return TrainReply(update: held.encoded(), signature: [], steps: steps, epsilonSpent: spent)
        }
        let update = ClientUpdateMessage(client: request.client, round: request.round, sampleCount: data.count, payload: .plain(delta))
        let statement = UploadStatement(jobId: request.jobId, manifestSha256: job.manifestSha256, round: request.round, client: request.client,
                                        deltaSha256: Digest.sha256Hex(floats: delta))
        return TrainReply(update: update.encoded(), signature: try sign(statement.bytes), steps: steps, epsilonSpent: spent)
    }

    /// Its data as the job's model reads it (`PreparedJob.features`), transformed once per
    /// feature kind and kept.
    func trainingData(for manifest: JobManifest) -> LabeledImages {
        guard manifest.model.features != .pixels else { return data }
        return features.withLock { kept in
            if let done = kept[manifest.model.features] { return done }
            let made = PreparedJob.features(of: data, manifest: manifest)
            kept[manifest.model.features] = made
            return made
        }
    }

    /// Whether `entry` may be released: within the job's declared budget (the manifest's ε at its
    /// δ and accountant) and within the agent's own budget over every job. Returns true when the
    /// same release is already on the ledger (a retried round).
    /// - Throws: `AgentError.refused` naming the budget it would pass.
    func admit(_ entry: AgentLedger.Entry, manifest: JobManifest) throws -> Bool {
        let p = manifest.privacy
        guard entry.noiseMultiplier > 0 else { throw AgentError.refused("differential privacy with noise multiplier 0") }
        let past = ledger.entries
        if past.contains(where: { $0.job == entry.job && $0.manifestSha256 == entry.manifestSha256 && $0.round == entry.round
                                  && $0.globalSha256 == entry.globalSha256 && $0.noiseMultiplier == entry.noiseMultiplier }) {
            return true
        }
        let ofJob = past.filter { $0.job == entry.job && $0.manifestSha256 == entry.manifestSha256 } + [entry]
        let accountant: AccountantKind = p.accountant == .rdp ? .rdp : .pld
        let delta = p.delta ?? PrivacyPlan.defaultDelta
        let jobEpsilon = try PrivacySpend(entries: ofJob.map { try $0.stretch }).epsilon(delta: delta, accountant: accountant).epsilon
        if let declared = p.epsilon, jobEpsilon > declared * (1 + 1e-9) {
            throw AgentError.refused("round \(entry.round) at noise multiplier \(entry.noiseMultiplier) would bring the job to ε = "
                                     + "\(String(format: "%.4f", jobEpsilon)), past its declared ε = \(declared)")
        }
        if let budget {
            let total = try PrivacySpend(entries: (past + [entry]).map { try $0.stretch }).epsilon(delta: budget.delta, accountant: .rdp).epsilon
            if total > budget.epsilon * (1 + 1e-9) {
                throw AgentError.refused("round \(entry.round) would bring this agent's data to ε = \(String(format: "%.4f", total)) "
                                         + "at δ = \(budget.delta) over all its jobs, past its budget ε = \(budget.epsilon)")
            }
        }
        return false
    }

    /// ε the job has spent on this agent's ledger, at the manifest's δ and accountant.
    func jobEpsilon(manifest: JobManifest, manifestSha256: String, jobId: UInt64) throws -> Double {
        let p = manifest.privacy
        let ofJob = ledger.entries.filter { $0.job == jobId && $0.manifestSha256 == manifestSha256 }
        return try PrivacySpend(entries: ofJob.map { try $0.stretch })
            .epsilon(delta: p.delta ?? PrivacyPlan.defaultDelta, accountant: p.accountant == .rdp ? .rdp : .pld).epsilon
    }
}

/// What an agent did with a job message, for its one line per event.
public enum AgentWorkEvent: Sendable, Equatable {
    /// Runs one job message's `work` and tells `report` of it: `done` on its reply, or a refusal
    /// with the error (after `step`, the protocol step it was); returns the reply's bytes.
    static func answering<Reply: WireMessage>(_ report: (AgentWorkEvent) -> Void, job: UInt64, round: Int?, step: String? = nil,
                                              _ work: () throws -> Reply, done: (Reply) -> AgentWorkEvent) throws -> [UInt8] {
        do {
            let reply = try work()
            report(done(reply))
            return reply.encoded()
        } catch {
            report(.refused(job: job, round: round, reason: (step.map { "\($0): " } ?? "") + "\(error)"))
            throw error
        }
    }

    case accepted(job: UInt64, client: Int, examples: Int)
    /// `epsilon`: the job's spend on this agent's ledger after the round (nil without DP).
    case trained(job: UInt64, round: Int, steps: Int, epsilon: Double?)
    /// A SecAgg step answered (`SecAggStep.description`).
    case secAggStep(job: UInt64, round: Int, step: String)
    /// An HE step answered (the `HEBlobsMessage` purpose it was asked for).
    case heStep(job: UInt64, round: Int, step: String)
    /// A share-holder accepted a job as holder `holder`.
    case holderAccepted(job: UInt64, holder: Int)
    /// A share-holder gave its partial sum of a round over `clients` clients' shares.
    case partialSum(job: UInt64, round: Int, clients: Int)
    /// A share-holder summed `clients` key holders' fragments into its share of an epoch's key.
    case holderKey(job: UInt64, epoch: Int, clients: Int)
    /// `round` nil: the offer itself.
    case refused(job: UInt64, round: Int?, reason: String)
}
