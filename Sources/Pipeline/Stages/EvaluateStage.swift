import Learning

/// Test accuracy and mean cross-entropy of the new global model on the test images.
public struct EvaluateStage: RoundStage {
    public let name = StageName.evaluate
    public let scope = StageScope.aggregator

    public init() {}

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        guard let parameters = state.nextParameters else {
            throw PipelineError.stage(StageName.evaluate.rawValue, "no aggregated model to evaluate")
        }
        let result = ClientTraining.evaluate(architecture: job.architecture, parameters: parameters, data: job.test,
                                             threads: job.manifest.threads)
        return [StageMetric("accuracy", result.accuracy, "ratio"), StageMetric("loss", result.meanLoss, "nats")]
    }
}
