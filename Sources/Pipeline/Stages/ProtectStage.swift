/// `encrypt` (HE) or `share` (secure aggregation), per client: the round's protocol plans the
/// round once (`RoundProtocol.plan`), then protects each client's trained update, kept on its
/// device since `local_train` (`RoundState.handOver`), into what the client uploads.
public struct ProtectStage: RoundStage {
    public let name: StageName
    public let scope = StageScope.perClient

    public init(_ name: StageName) { self.name = name }

    public func plan(_ state: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        try state.step { try $0.plan(&$1, job: job) }
    }

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        guard let client else { preconditionFailure("\(name.rawValue) runs per client") }
        if let remote = job.remoteClients {
            // With agents the update stays on its machine: the agent encrypts it when asked (HE),
            // or masks it in `aggregate`'s SecAgg steps (`SecureSum.remoteRound`).
            return try state.step { try $0.protectAtAgent(client, round: &$1, job: job, remote: remote) }
        }
        guard let update = state.parties.clients[client].pendingUpdate, case .plain = update.payload else {
            throw PipelineError.stage(name.rawValue, "client \(client) has no plain update to protect")
        }
        state.parties.clients[client].pendingUpdate = nil
        return try state.step { try $0.protect(update, round: &$1, job: job) }
    }
}
