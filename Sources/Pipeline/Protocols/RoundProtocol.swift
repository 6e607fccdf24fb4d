import ResultsStore

/// How one mode turns the clients' updates into the round's model: one value per mode, with the
/// steps of Lattigo's multiparty protocols (Mouchet et al. 2021) — plan the round, protect an
/// update at its client, aggregate the uploads at the aggregator without opening one, release the
/// aggregate as the round's model delta.
///
/// | mode | value | protect (stage) | release (stage) |
/// |---|---|---|---|
/// | plain FedAvg | `PlainFedAvg` | — (the update travels as it is) | at `aggregate` |
/// | central DP (DP-FedAvg) | `CentralDPFedAvg` | — | at `aggregate`, with the aggregator's noise |
/// | HE one-key / threshold / share-holders | `HomomorphicAggregation` | `encrypt` | `decrypt` |
/// | additive, SecAgg, SecAgg+ | `SecureSum` | `share` | `reconstruct` |
///
/// The value owns the mode's state across the round (and across rounds for HE's key epochs); the
/// stages that keep their names in the records (`ProtectStage`, `AggregateStage`, `ReleaseStage`)
/// only call its steps. A release under DP goes through the privacy gate (`admitRelease`, `pend`)
/// inside `release`, and the runner commits it before anything reads the output.
public protocol RoundProtocol: Sendable {
    /// What every party knows before the first client protects its update: the key epoch, the
    /// dropouts, the guaranteed survivors, a release decided for the whole cohort.
    mutating func plan(_ round: inout RoundState, job: PreparedJob) throws -> [StageMetric]
    /// At the client that owns `update`: makes its protected upload and sends it (the outbox, or
    /// the share-holders' inboxes through the job's transport). The plain update goes no further.
    mutating func protect(_ update: ClientUpdateMessage, round: inout RoundState, job: PreparedJob) throws -> [StageMetric]
    /// With agents (`deployment: agents`): the protection of the update agent `client` keeps on
    /// its machine — HE asks it for its encrypted update; SecAgg does its work in `aggregate`.
    mutating func protectAtAgent(_ client: Int, round: inout RoundState, job: PreparedJob, remote: any RemoteClients) throws -> [StageMetric]
    /// At the aggregator: combines what it received without opening any one client's upload.
    mutating func aggregate(_ round: inout RoundState, job: PreparedJob) throws -> [StageMetric]
    /// Opens the aggregate as the round's model delta and next model.
    mutating func release(_ round: inout RoundState, job: PreparedJob) throws -> [StageMetric]

    /// Keys the protocol made since the runner last recorded them (HE's collective keys, for `he_keys`).
    var unrecordedKeys: [HEKeyRecord] { get }
    /// The protocol's key epoch in force, for the checkpoint (HE), or nil.
    var keyEpoch: Int? { get }
    /// Called by the runner once `unrecordedKeys` are written.
    mutating func markKeysRecorded()
}

extension RoundProtocol {
    public mutating func plan(_ round: inout RoundState, job: PreparedJob) throws -> [StageMetric] { [] }
    public mutating func protectAtAgent(_ client: Int, round: inout RoundState, job: PreparedJob, remote: any RemoteClients) throws -> [StageMetric] {
        [StageMetric("held_at_agent", round.heldAtAgents[client] == nil ? 0 : 1, "count")]
    }
    public var unrecordedKeys: [HEKeyRecord] { [] }
    public var keyEpoch: Int? { nil }
    public mutating func markKeysRecorded() {}
}

/// Which protocol value runs a job's rounds.
public enum RoundProtocols {
    public static func make(for job: PreparedJob) -> any RoundProtocol {
        let p = job.manifest.privacy
        if let setup = job.heSetup { return HomomorphicAggregation(setup: setup) }
        if p.secureAggregation != .none { return SecureSum() }
        return p.hidesCohort ? CentralDPFedAvg() : PlainFedAvg()
    }
}

/// Stands in for the round's protocol while one of its steps runs (`RoundState.step`); it is
/// never asked to do anything.
struct LentProtocol: RoundProtocol {
    func protect(_ update: ClientUpdateMessage, round: inout RoundState, job: PreparedJob) throws -> [StageMetric] { lent() }
    func aggregate(_ round: inout RoundState, job: PreparedJob) throws -> [StageMetric] { lent() }
    func release(_ round: inout RoundState, job: PreparedJob) throws -> [StageMetric] { lent() }
    private func lent() -> Never { preconditionFailure("the round's protocol is running a step") }
}

extension RoundState {
    /// Runs one step of the round's protocol on this round: the protocol value is lent out for
    /// the call (a step reads and writes both), then put back, whether the step threw or not.
    public mutating func step(_ body: (inout any RoundProtocol, inout RoundState) throws -> [StageMetric]) rethrows -> [StageMetric] {
        var running = protection
        protection = LentProtocol()
        defer { protection = running }
        return try body(&running, &self)
    }
}
