import Randomness

/// Hyper-parameters of a client's local training.
public struct LocalTrainingConfiguration: Sendable, Equatable, Codable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: SGD

    public init(epochs: Int, batchSize: Int, learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        precondition(epochs >= 0, "epochs must be non-negative")
        precondition(batchSize >= 1, "batch size must be positive")
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = SGD(learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
    }
}

/// What local training returns.
public struct LocalTrainingResult: Sendable {
    /// The parameters after the last step.
    public var parameters: [Float]
    /// Mean training loss over every example seen, each measured in the forward pass of its step.
    public var meanLoss: Double
    /// Number of SGD steps taken.
    public var steps: Int
}

/// Runs E epochs of mini-batch SGD on a client's examples (non-private local training of FedAvg,
/// McMahan et al., AISTATS 2017, Algorithm 1 `ClientUpdate`).
///
/// Each epoch shuffles the client's indices with a Fisher–Yates shuffle driven by the given
/// generator, then takes batches in order (the last one may be smaller). A class because it
/// owns reusable workspaces.
public final class LocalTrainer {
    public let engine: GradientEngine

    public init(architecture: Architecture, threads: Int = 1, batchCapacity: Int = 256) {
        engine = GradientEngine(architecture: architecture, threads: threads, batchCapacity: batchCapacity)
    }

    /// Trains from `parameters` on `data[indices]`.
    public func train(parameters: [Float], data: LabeledImages, indices: [Int],
                      configuration: LocalTrainingConfiguration,
                      generator: inout ChaCha20Generator) -> LocalTrainingResult {
        let plan = engine.workspace.plan
        precondition(parameters.count == plan.parameterCount, "wrong parameter count")
        var parameters = parameters
        var velocity = [Float](repeating: 0, count: configuration.optimizer.momentum == 0 ? 0 : parameters.count)
        var order = indices
        var lossTotal = 0.0, seen = 0, steps = 0
        engine.workspace.reserve(min(configuration.batchSize, max(indices.count, 1)))
        for _ in 0..<configuration.epochs {
            Shuffle.fisherYates(&order, generator: &generator)
            var start = 0
            while start < order.count {
                let end = min(start + configuration.batchSize, order.count)
                let n = end - start
                engine.workspace.load(data, indices: order[start..<end])
                parameters.withUnsafeMutableBufferPointer { p in
                    lossTotal += engine.lossAndGradient(parameters: UnsafePointer(p.baseAddress!), count: n,
                                                        gradientScale: 1 / Float(n))
                    configuration.optimizer.step(parameters: p.baseAddress!, gradient: engine.gradient.pointer,
                                                 count: p.count, velocity: &velocity)
                }
                seen += n
                steps += 1
                start = end
            }
        }
        return LocalTrainingResult(parameters: parameters, meanLoss: seen == 0 ? 0 : lossTotal / Double(seen),
                                   steps: steps)
    }
}

/// Unbiased in-place shuffles from a ChaCha20 stream.
public enum Shuffle {
    /// Fisher–Yates (Knuth, TAOCP vol. 2, Algorithm 3.4.2 P) with unbiased `nextBelow` draws.
    public static func fisherYates<T>(_ array: inout [T], generator: inout ChaCha20Generator) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = Int(generator.nextBelow(UInt64(i + 1)))
            array.swapAt(i, j)
        }
    }
}
