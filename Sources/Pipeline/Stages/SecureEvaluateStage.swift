import Learning
import SecureComputation

/// `secure_evaluate` (optional, after `evaluate`; mlp only): the round's model and the test set
/// are secret-shared between two parties, with a crypto provider dealing Beaver triples, and the
/// mlp's forward pass runs on shares (`SecureMLPEvaluation`: matrix Beaver triples with SecureML
/// truncation, ReLU and the argmax check by secure comparison); only the number of correct
/// predictions is opened.
///
/// Cost: the 784×128 product on shares over the whole test set takes seconds to tens of seconds
/// on 2 cores, so the stage runs in the job's last round only (earlier rounds record nothing),
/// on the job's whole test set (`dataset.test_examples` bounds it). Randomness: the model owner (the aggregator), the data owner and the crypto
/// provider each draw from their own secret root, under `round/R/secure-evaluate`.
public struct SecureEvaluateStage: RoundStage {
    public let name = StageName.secureEvaluate
    public let scope = StageScope.aggregator

    public init() {}

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        guard state.round == job.manifest.federation.rounds else { return [] }
        guard job.architecture == .mlp else {
            throw PipelineError.stage(name.rawValue, "secure evaluation supports the mlp only")
        }
        guard let parameters = state.nextParameters else {
            throw PipelineError.stage(name.rawValue, "no aggregated model to evaluate")
        }
        guard let dealer = state.parties.cryptoProvider, let dataOwner = state.parties.evaluationDataOwner else {
            preconditionFailure("secure evaluation without its crypto provider and data owner")
        }
        let result = try SecureMLPEvaluation(layout: .mnist, threads: job.manifest.threads)
            .evaluate(parameters: Self.secureLayout(mlp: parameters), images: job.test.pixels, labels: job.test.labels.map { Int($0) },
                      randomness: SecureEvaluationRandomness(
                          modelOwner: state.parties.aggregator.generator("round/\(state.round)/secure-evaluate/model-owner"),
                          dataOwner: dataOwner.generator("round/\(state.round)/secure-evaluate/data-owner"),
                          dealer: dealer.generator("round/\(state.round)/secure-evaluate/dealer")))
        let stats = result.statistics
        return [
            StageMetric("secure_accuracy", result.accuracy, "ratio"),
            StageMetric("secure_examples", Double(result.total), "count"),
            StageMetric("triples_consumed", Double(stats.triplesConsumed), "count"),
            StageMetric("bytes_exchanged", Double(stats.bytesExchanged), "bytes"),
            StageMetric("dealer_bytes", Double(stats.dealerBytes), "bytes"),
            StageMetric("communication_rounds", Double(stats.rounds), "count"),
        ]
    }

    /// Learning stores each affine layer's weights `outputs × inputs` (Y = X·Wᵀ + b) with its bias
    /// after it; `MLPLayout` wants W1 as 784×128 and W2 as 128×10 (input-major, Y = X·W + b), so
    /// both weight matrices are transposed and the biases copied.
    static func secureLayout(mlp flat: [Float]) -> [Float] {
        let layout = MLPLayout.mnist
        precondition(flat.count == layout.parameterCount, "not the 784-128-10 mlp")
        var out = [Float](repeating: 0, count: flat.count)
        var offset = 0
        func layer(inputs: Int, outputs: Int, weights: Range<Int>, bias: Range<Int>) {
            for o in 0..<outputs {
                for i in 0..<inputs { out[weights.lowerBound + i * outputs + o] = flat[offset + o * inputs + i] }
            }
            offset += inputs * outputs
            for o in 0..<outputs { out[bias.lowerBound + o] = flat[offset + o] }
            offset += outputs
        }
        layer(inputs: layout.inputs, outputs: layout.hidden, weights: layout.w1, bias: layout.b1)
        layer(inputs: layout.hidden, outputs: layout.outputs, weights: layout.w2, bias: layout.b2)
        return out
    }
}
