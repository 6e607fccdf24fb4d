import Learning
import Randomness

/// The pipeline's one doorway into the Learning target: local SGD and evaluation.
enum ClientTraining {
    static func train(architecture: Architecture, parameters: [Float], data: LabeledImages, indices: [Int], epochs: Int,
                      batchSize: Int, learningRate: Float, momentum: Float, threads: Int,
                      generator: inout ChaCha20Generator) -> LocalTrainingResult {
        let trainer = LocalTrainer(architecture: architecture, threads: threads, batchCapacity: batchSize)
        let configuration = LocalTrainingConfiguration(epochs: epochs, batchSize: batchSize, learningRate: learningRate, momentum: momentum)
        return trainer.train(parameters: parameters, data: data, indices: indices, configuration: configuration, generator: &generator)
    }

    static func evaluate(architecture: Architecture, parameters: [Float], data: LabeledImages, threads: Int) -> EvaluationResult {
        Evaluation.evaluate(architecture: architecture, parameters: parameters, on: data, threads: threads)
    }
}
