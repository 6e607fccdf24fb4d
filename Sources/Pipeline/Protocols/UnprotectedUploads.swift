/// A mode whose updates travel as they are (plain FedAvg, central DP): no protection stage runs.
public protocol UnprotectedUploads: RoundProtocol {}

extension UnprotectedUploads {
    public func protect(_ update: ClientUpdateMessage, round: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        preconditionFailure("\(Self.self) sends updates as they are")
    }
}

extension RoundState {
    /// What the aggregator received this round: the update count and the bytes carried.
    var receivedMetrics: [StageMetric] {
        [StageMetric("updates", Double(updates.count), "count"), StageMetric("bytes_received", Double(receivedBytes), "bytes")]
    }
}
