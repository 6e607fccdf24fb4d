/// A mode whose updates travel as they are (plain FedAvg, central DP): no protection stage runs.
public protocol UnprotectedUploads: RoundProtocol {}

extension UnprotectedUploads {
    public func protect(_ update: ClientUpdateMessage, round: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        preconditionFailure("\(Self.self) sends updates as they are")
    }
}
