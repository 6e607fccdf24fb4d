import Provisioning
import ResultsStore
import Synchronization
import Wire

/// `local_train` when the clients are agents (`deployment: agents`): the round's training runs on
/// the agents' machines, on their data, with their roots.
///
/// `plan` sends the broadcast model to every selected client at once and waits up to
/// `round_timeout` for the updates; a client that does not answer in time, whose link broke, or
/// that refused (its own budget) is a dropout. Fewer answers than `min_clients` (default: every
/// selected client) fail the round, naming each missing agent and why. `run`, per client, takes a
/// received update through the same gate as the simulation: under DP the orchestrator's own
/// ledger records the release (with the SHA-256 of the delta received) before the update reaches
/// the aggregator.
///
/// Every upload is checked before it counts: it must be the update of that client for that
/// round, a plain delta of the model's size, and carry the agent's signature on its
/// `UploadStatement`, made with the key of the certificate its TLS session verified, which must
/// name that agent. One that fails — a replay of another agent's upload, a forged or missing
/// signature — is refused, recorded (`upload_signatures`, verdict `refused: …`) and a dropout.
public struct RemoteTrainStage: RoundStage {
    public let name = StageName.localTrain
    public let scope = StageScope.perClient
    /// The agents train during `plan`: its time (and a quorum failure) is a stage run of its own.
    public let recordsPlan = true
    /// The round's replies, from `plan` to each client's `run`.
    private let replies = RoundReplies()

    public init() {}

    public func plan(_ state: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        guard let remote = job.remoteClients else {
            throw PipelineError.stage(name.rawValue, "the manifest has deployment: agents; its clients are agents, so the job runs on "
                                      + "`privfed orchestrator --run`, not in this process")
        }
        let selected = state.selectedClients
        if job.privacyPlan != nil {
            // The orchestrator's own book must admit every release before any is asked for.
            var trial = state
            for client in selected { _ = try trial.admitRelease(of: .client(client)) }
        }
        let global = state.global.encoded()
        let work = RoundWork(round: state.round, learningRate: state.learningRate, noiseMultiplier: job.privacyPlan?.noiseMultiplier ?? 0,
                             global: global)
        let fed = job.manifest.federation
        let received = remote.train(work, clients: selected, deadline: .milliseconds(Int(fed.roundTimeoutSeconds * 1000)))
        // Stopped while waiting: the round is discarded and the job resumable, as at a stage boundary.
        if let signal = remote.stopSignal { throw PipelineError.interrupted(signal: signal) }
        var results: [Int: Result<Checked, RemoteFailure>] = [:]
        for client in selected {
            switch received[client] {
            case .success(let upload):
                switch Self.check(upload, client: client, round: state.round, parameters: state.global.parameters.count,
                                  secure: job.manifest.privacy.secureAggregation != .none || job.manifest.privacy.homomorphicEncryption,
                                  remote: remote) {
                case .success(let checked):
                    results[client] = .success(checked)
                    if let record = checked.record { state.uploads.append(record) }
                case .failure(let refusal):
                    results[client] = .failure(RemoteFailure("refused its upload: \(refusal.reason)"))
                    if let record = refusal.record { state.uploads.append(record) }
                }
            case .failure(let failure): results[client] = .failure(failure)
            case nil: results[client] = .failure(RemoteFailure("no reply"))
            }
        }
        let missing = selected.compactMap { client -> String? in
            guard case .failure(let failure) = results[client] else { return nil }
            return "\(remote.agent(of: client)) (\(failure.reason))"
        }
        let answered = selected.count - missing.count
        let least = fed.minClients ?? selected.count
        if answered < least {
            throw PipelineError.stage(name.rawValue, "\(answered) of \(selected.count) agents answered, fewer than "
                                      + (fed.minClients == nil ? "the round needs (every selected client)" : "min_clients = \(least)")
                                      + "; missing: " + missing.joined(separator: "; "))
        }
        replies.set(results, broadcastBytes: global.count)
        return [
            StageMetric("agents_answered", Double(answered), "count"),
            StageMetric("dropouts", Double(missing.count), "count"),
        ]
    }

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        guard let client else { preconditionFailure("local_train runs per client") }
        let (reply, broadcastBytes) = replies.take(client)
        let broadcast = Double(broadcastBytes)
        guard case .success(let checked) = reply else {
            return [StageMetric("dropout", 1, "count"), StageMetric("bytes_received", broadcast, "bytes")]
        }
        var metrics = [
            StageMetric("samples", Double(checked.sampleCount), "count"),
            StageMetric("bytes_received", broadcast, "bytes"),  // the broadcast, as the client received it
        ]
        if job.privacyPlan != nil {
            let admitted = try state.admitRelease(of: .client(client))
            // A held update is released by the agent in the SecAgg steps; the orchestrator never
            // sees it, so its ledger row carries no output hash (as under the simulation's secure sum).
            state.pend(admitted, released: checked.delta)
            metrics += [
                StageMetric("dp_steps", Double(checked.reply.steps), "count"),
                StageMetric("epsilon_spent", admitted.enforcedEpsilonSpent, "epsilon"),
                StageMetric("agent_epsilon_spent", checked.reply.epsilonSpent, "epsilon"),
            ]
        }
        switch checked.kept {
        case .sent(let update): state.handOver(update, job: job)
        case .held(let held): state.heldAtAgents[client] = held.sampleCount
        }
        return metrics
    }

    /// An upload that passed every check, and its record.
    struct Checked: Sendable {
        var reply: TrainReply
        var kept: Kept
        /// The signed upload's record; nil for a held update (its masked input is signed later).
        var record: UploadRecord?

        enum Kept: Sendable {
            /// The update came with the reply.
            case sent(ClientUpdateMessage)
            /// Secure aggregation: the agent keeps the update for the round's SecAgg steps.
            case held(UpdateHeld)
        }

        var sampleCount: Int {
            switch kept {
            case .sent(let update): return update.sampleCount
            case .held(let held): return held.sampleCount
            }
        }
        var delta: [Float]? {
            if case .sent(let update) = kept, case .plain(let delta) = update.payload { return delta }
            return nil
        }
    }

    /// Why an upload was refused, and its record when it carried one to record.
    struct Refusal: Error {
        var reason: String
        var record: UploadRecord?
    }

    /// Checks `upload` as client `client`'s for `round`: its update, then its signature. Under
    /// secure aggregation or HE the reply must be an `UpdateHeld` of that client and round instead.
    static func check(_ upload: RemoteUpload, client: Int, round: Int, parameters: Int, secure: Bool,
                      remote: any RemoteClients) -> Result<Checked, Refusal> {
        let agent = remote.agent(of: client)
        if secure {
            guard let held = try? UpdateHeld.decode(upload.reply.update) else {
                return .failure(Refusal(reason: "the job protects its updates, and its reply is not an update held on the agent"))
            }
            guard held.client == client, held.round == round else {
                return .failure(Refusal(reason: "it holds the update of client \(held.client) for round \(held.round), not client \(client)'s for round \(round)"))
            }
            return .success(Checked(reply: upload.reply, kept: .held(held), record: nil))
        }
        let update: ClientUpdateMessage
        do { update = try ClientUpdateMessage.decode(upload.reply.update) } catch { return .failure(Refusal(reason: "its update does not read: \(error)")) }
        guard case .plain(let delta) = update.payload, delta.count == parameters else {
            return .failure(Refusal(reason: "it is not a plain delta of \(parameters) values"))
        }
        let sha = Digest.sha256Hex(floats: delta)
        func record(_ verdict: String) -> UploadRecord {
            UploadRecord(round: round, client: client, agent: agent, deltaSha256: sha, signature: Hex.encode(upload.reply.signature),
                         certificatePEM: upload.certificatePEM, verdict: verdict)
        }
        func refuse(_ reason: String) -> Result<Checked, Refusal> { .failure(Refusal(reason: reason, record: record("refused: \(reason)"))) }
        guard update.client == client, update.round == round else {
            return refuse("it is the update of client \(update.client) for round \(update.round), not client \(client)'s for round \(round)")
        }
        let statement = UploadStatement(jobId: remote.jobId, manifestSha256: remote.manifestSha256, round: round, client: client, deltaSha256: sha)
        if let refusal = statement.refusal(signature: upload.reply.signature, certificatePEM: upload.certificatePEM, agent: agent) {
            return refuse(refusal)
        }
        return .success(Checked(reply: upload.reply, kept: .sent(update), record: record(UploadRecord.accepted)))
    }
}

/// One round's replies, written by `plan` and read once per client by `run`.
final class RoundReplies: Sendable {
    private let state = Mutex<(replies: [Int: Result<RemoteTrainStage.Checked, RemoteFailure>], broadcastBytes: Int)>(([:], 0))

    /// The round's replies, and the size of the broadcast each client was sent (encoded once).
    func set(_ replies: [Int: Result<RemoteTrainStage.Checked, RemoteFailure>], broadcastBytes: Int) {
        state.withLock { $0 = (replies, broadcastBytes) }
    }

    func take(_ client: Int) -> (Result<RemoteTrainStage.Checked, RemoteFailure>?, broadcastBytes: Int) {
        state.withLock { ($0.replies.removeValue(forKey: client), $0.broadcastBytes) }
    }
}
