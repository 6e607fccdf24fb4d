/// `aggregate`, at the aggregator: the round's protocol combines the uploads
/// (`RoundProtocol.aggregate`). In the modes without a protection stage (plain FedAvg, central
/// DP) the aggregate is opened in the same stage (`releases`); otherwise `decrypt` or
/// `reconstruct` opens it.
public struct AggregateStage: RoundStage {
    public let name = StageName.aggregate
    public let scope = StageScope.aggregator
    /// Whether this stage also releases the aggregate (no `decrypt` or `reconstruct` follows).
    public let releases: Bool

    public init(releases: Bool) { self.releases = releases }

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        var metrics = try state.step { try $0.aggregate(&$1, job: job) }
        if releases { metrics += try state.step { try $0.release(&$1, job: job) } }
        return metrics
    }
}
