/// `decrypt` (HE) or `reconstruct` (secure aggregation), at the aggregator: the round's protocol
/// opens the aggregate as the round's model (`RoundProtocol.release`), a DP release through the
/// privacy gate.
public struct ReleaseStage: RoundStage {
    public let name: StageName
    public let scope = StageScope.aggregator

    public init(_ name: StageName) { self.name = name }

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        try state.step { try $0.release(&$1, job: job) }
    }
}
