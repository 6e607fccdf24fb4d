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
    public var selectedClients: [Int] = []
    /// Updates received by the aggregator, in client order.
    public var updates: [ClientUpdateMessage] = []
    /// The aggregated model delta, once the aggregator has one in the clear.
    public var aggregateDelta: [Float]?
    /// The new global model, after `aggregate`.
    public var nextParameters: [Float]?
    /// Every party's privacy history (DP jobs); carried from round to round by the runner.
    public var privacy: PrivacyBook?
    /// Ledger entries of releases decided in the last stage; the runner commits them (with the
    /// round's `released` status) before the next stage can read the released output.
    public var pendingLedger: [LedgerEntry] = []
    /// Secure aggregation (MPC) of this round: planned by the first `share` call, filled by
    /// `share` (clients), `aggregate` (share-holders / SecAgg protocol) and read by `reconstruct`.
    public var secureAggregation: SecureAggregationRoundState?
    /// Homomorphic encryption: keys, client devices and the encrypted aggregate; carried from
    /// round to round by the runner (key epochs span rounds).
    public var he: HEJobState?
}

/// One stage of a round. Stages are values with this one interface, so protection stages
/// (encrypt, share, reconstruct, decrypt) slot in between training and aggregation without
/// the runner knowing what they do.
public protocol RoundStage: Sendable {
    var name: StageName { get }
    var scope: StageScope { get }
    /// Runs the stage; `client` is the client index for `.perClient` stages, nil otherwise.
    func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric]
}
