import Learning
import ResultsStore
import Randomness

/// Where a stage runs: once per selected client, or once at the aggregator.
public enum StageScope: Sendable {
    case perClient
    case aggregator
}

/// Who may see a metric: what the aggregator records is what it is allowed to see.
public enum MetricOwner: Sendable, Equatable {
    /// Computed from what the aggregator received or released (bytes, counts, timings, the
    /// evaluated model): recorded in the results database.
    case aggregator
    /// Computed on the client's private data (its loss, its update's norm, its realised batch
    /// sizes): with any privacy setting on, kept in the client's own local record only.
    case client
    /// A diagnostic only the simulation can compute, because it plays every party (the HE error
    /// against the plaintext sum of the updates): with any privacy setting on, kept in the
    /// simulator's local record, never in the aggregator's database.
    case simulator
}

/// A measurement a stage reports; the runner files it under the job, round, stage and client —
/// in the results database, or in a party's local record (`owner`).
public struct StageMetric: Sendable, Equatable {
    public var name: String
    public var value: Double
    public var unit: String
    public var owner: MetricOwner

    public init(_ name: String, _ value: Double, _ unit: String, owner: MetricOwner = .aggregator) {
        self.name = name; self.value = value; self.unit = unit; self.owner = owner
    }

    /// A statistic of a client's private data (see `MetricOwner.client`).
    public static func clientPrivate(_ name: String, _ value: Double, _ unit: String) -> StageMetric {
        StageMetric(name, value, unit, owner: .client)
    }
}

/// The state one round carries from stage to stage.
public struct RoundState: Sendable {
    public var round: Int
    /// The global model as broadcast at the start of the round.
    public var global: GlobalModelMessage
    public var learningRate: Double
    /// Client-level DP: the round's clip norm C_t — `max_grad_norm`, or under adaptive clipping
    /// the one the previous round's release set (`nextClipNorm`); carried by the runner.
    public var clipNorm: Double?
    /// Adaptive clipping: C_{t+1}, set by the round's release from its noisy count.
    public var nextClipNorm: Double?
    public var selectedClients: [Int] = []
    /// Updates the aggregator received, as decoded from the bytes that crossed, in client order.
    public var updates: [ClientUpdateMessage] = []
    /// Bytes of the updates the aggregator received this round (`updates`), as carried.
    public var receivedBytes = 0
    /// Updates a client has finished and handed over for sending. The runner delivers them to the
    /// aggregator (`deliverOutbox`) only after the round's pending releases are on the ledger:
    /// the privacy gate, owned by the runner rather than by each stage.
    public var outbox: [ClientUpdateMessage] = []
    /// Every party, each the sole owner of its secrets (`Federation`); carried from round to
    /// round by the runner.
    public var parties: Federation
    /// The aggregated model delta, once the aggregator has one in the clear.
    public var aggregateDelta: [Float]?
    /// The new global model, after `aggregate`.
    public var nextParameters: [Float]?
    /// Every party's privacy history (DP jobs); carried from round to round by the runner.
    public var privacy: PrivacyBook?
    /// Ledger entries of releases decided in the last stage; the runner commits them (with the
    /// round's `released` status) before the next stage can read the released output.
    public var pendingLedger: [LedgerEntry] = []
    /// Secure aggregation with agents: the clients that trained and keep their update on their
    /// own machines for the round's SecAgg steps, with its public FedAvg weight (sample count).
    public var heldAtAgents: [Int: Int] = [:]
    /// The agents' uploads this round, accepted or refused (`deployment: agents`), for `upload_signatures`.
    public var uploads: [UploadRecord] = []
    /// The mode's round protocol (`RoundProtocol`): plans the round, protects the updates,
    /// aggregates and releases them; carried from round to round by the runner (HE key epochs
    /// span rounds). `RoundProtocols.make(for:)` picks it; plain FedAvg unless set.
    public var protection: any RoundProtocol = PlainFedAvg()

    public init(round: Int, global: GlobalModelMessage, learningRate: Double, parties: Federation) {
        self.round = round; self.global = global; self.learningRate = learningRate; self.parties = parties
    }
}

extension RoundState {
    /// Hands a client's finished update on: into the outbox when it travels as it is, or kept on
    /// the device when a later stage (`encrypt`, `share`) must protect it first.
    public mutating func handOver(_ update: ClientUpdateMessage, job: PreparedJob) {
        if job.manifest.uploadsProtected { parties.clients[update.client].pendingUpdate = update } else { outbox.append(update) }
    }

    /// What the aggregator received this round: the update count and the bytes carried.
    var receivedMetrics: [StageMetric] {
        [StageMetric("updates", Double(updates.count), "count"), StageMetric("bytes_received", Double(receivedBytes), "bytes")]
    }

    /// Delivers the outbox to the aggregator through `transport`; returns the bytes sent. The
    /// runner calls it after committing the pending releases, never before.
    public mutating func deliverOutbox(via transport: any Transport) throws -> Int {
        precondition(pendingLedger.isEmpty, "an update would leave its client before its release is on the ledger")
        var sent = 0
        for update in outbox {
            let delivery = try transport.deliver(update, from: .client(update.client), to: .aggregator)
            updates.append(delivery.message)
            receivedBytes += delivery.bytes
            sent += delivery.bytes
        }
        outbox = []
        return sent
    }
}

/// One stage of a round. Stages are values with this one interface, so protection stages
/// (encrypt, share, reconstruct, decrypt) slot in between training and aggregation without
/// the runner knowing what they do.
///
/// The runner calls `plan` once, then `run` once per selected client (`.perClient`) or once
/// (`.aggregator`). A release decided in either (`RoundState.pend`) is committed to the ledger
/// before the runner goes on, so nothing it covers leaves a party unrecorded.
public protocol RoundStage: Sendable {
    var name: StageName { get }
    var scope: StageScope { get }
    /// Fixes, once per round and before the stage's first client acts, what every party of the
    /// stage knows in public: the key epoch, the dropouts, the guaranteed survivors, the
    /// secure-aggregation parameters, a release decided for the whole cohort. Its metrics are
    /// filed without a client. Default: nothing to plan.
    func plan(_ state: inout RoundState, job: PreparedJob) throws -> [StageMetric]
    /// Whether the runner records `plan` as a stage run of its own (no client): for a stage whose
    /// work happens in its plan (`RemoteTrainStage`: the agents train meanwhile), so its time and
    /// its failure are in `stage_runs`. Default false.
    var recordsPlan: Bool { get }
    /// Runs the stage; `client` is the client index for `.perClient` stages, nil otherwise.
    func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric]
}

extension RoundStage {
    public func plan(_ state: inout RoundState, job: PreparedJob) throws -> [StageMetric] { [] }
    public var recordsPlan: Bool { false }
}
