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
public struct RemoteTrainStage: RoundStage {
    public let name = StageName.localTrain
    public let scope = StageScope.perClient
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
        let results = remote.train(work, clients: selected, deadline: .milliseconds(Int(fed.roundTimeoutSeconds * 1000)))
        let missing = selected.compactMap { client -> String? in
            if case .success = results[client] { return nil }
            let reason = results[client].flatMap { if case .failure(let f) = $0 { return f.reason } else { return nil } } ?? "no reply"
            return "\(remote.agent(of: client)) (\(reason))"
        }
        let answered = selected.count - missing.count
        let least = fed.minClients ?? selected.count
        if answered < least {
            throw PipelineError.stage(name.rawValue, "\(answered) of \(selected.count) agents answered, fewer than "
                                      + (fed.minClients == nil ? "the round needs (every selected client)" : "min_clients = \(least)")
                                      + "; missing: " + missing.joined(separator: "; "))
        }
        replies.set(results)
        return [
            StageMetric("agents_answered", Double(answered), "count"),
            StageMetric("dropouts", Double(missing.count), "count"),
        ]
    }

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        guard let client else { preconditionFailure("local_train runs per client") }
        let broadcast = Double(state.global.encoded().count)
        guard case .success(let reply) = replies.take(client) else {
            return [StageMetric("dropout", 1, "count"), StageMetric("bytes_received", broadcast, "bytes")]
        }
        let update = try ClientUpdateMessage.decode(reply.update)
        let agent = job.remoteClients?.agent(of: client) ?? "client \(client)"
        guard update.client == client, update.round == state.round else {
            throw PipelineError.stage(name.rawValue, "\(agent) sent an update for client \(update.client), round \(update.round)")
        }
        guard case .plain(let delta) = update.payload, delta.count == state.global.parameters.count else {
            throw PipelineError.stage(name.rawValue, "\(agent) sent an update that is not a plain delta of \(state.global.parameters.count) values")
        }
        var metrics = [
            StageMetric("samples", Double(update.sampleCount), "count"),
            StageMetric("bytes_received", broadcast, "bytes"),  // the broadcast, as the client received it
        ]
        if job.privacyPlan != nil {
            let admitted = try state.admitRelease(of: .client(client))
            state.pend(admitted, released: delta)
            metrics += [
                StageMetric("dp_steps", Double(reply.steps), "count"),
                StageMetric("epsilon_spent", admitted.enforcedEpsilonSpent, "epsilon"),
                StageMetric("agent_epsilon_spent", reply.epsilonSpent, "epsilon"),
            ]
        }
        state.handOver(update, job: job)
        return metrics
    }
}

/// One round's replies, written by `plan` and read once per client by `run`.
final class RoundReplies: Sendable {
    private let state = Mutex<[Int: Result<TrainReply, RemoteFailure>]>([:])

    func set(_ replies: [Int: Result<TrainReply, RemoteFailure>]) { state.withLock { $0 = replies } }

    func take(_ client: Int) -> Result<TrainReply, RemoteFailure>? { state.withLock { $0.removeValue(forKey: client) } }
}
