import Randomness

/// Throughput of local training on real MNIST, for `privfed bench train`.
public struct TrainingBenchmarkResult: Sendable, Codable, Equatable {
    public var model: String
    public var threads: Int
    public var batchSize: Int
    /// Examples per measured epoch.
    public var examples: Int
    /// Whether the per-example clipping path (DP-SGD without the noise draw) was measured.
    public var privateClipping: Bool
    /// `examples / seconds`.
    public var samplesPerSecond: Double
    /// Median epoch time.
    public var seconds: Double
    /// Every measured epoch, in order.
    public var epochSeconds: [Double]
}

/// Measures samples per second of one client's epoch: one warm-up epoch, then the median of
/// `epochs` timed epochs. The non-private path is `LocalTrainer`'s SGD step; the private path
/// replaces the mean gradient by `clippedGradientSum / batchSize` (noise addition, owned by the
/// DP target, is left out: it is one Gaussian draw per parameter per step).
public enum TrainingBenchmark {
    /// Loads MNIST from `directory` (relative to the current directory) and runs the benchmark.
    /// - Throws: `MNISTError` when the dataset is missing or damaged.
    public static func run(architecture: Architecture, threads: Int = 2, batchSize: Int = 256,
                           examples: Int = 6000, privateClipping: Bool = false, epochs: Int = 3,
                           directory: String = "datasets/mnist") throws(MNISTError) -> TrainingBenchmarkResult {
        let mnist = try MNIST.load(directory: directory)
        return run(architecture: architecture, data: mnist.train, threads: threads, batchSize: batchSize,
                   examples: examples, privateClipping: privateClipping, epochs: epochs)
    }

    /// Runs the benchmark on the first `examples` examples of `data`.
    public static func run(architecture: Architecture, data: LabeledImages, threads: Int = 2, batchSize: Int = 256,
                           examples: Int = 6000, privateClipping: Bool = false, epochs: Int = 3) -> TrainingBenchmarkResult {
        precondition(examples >= 1 && examples <= data.count, "examples must be in 1...\(data.count)")
        precondition(epochs >= 1, "epochs must be positive")
        let streams = RandomStreams(seed: 1)
        var initGenerator = streams.generator("bench/init")
        var parameters = Model(architecture: architecture, generator: &initGenerator).parameters
        var shuffle = streams.generator("bench/shuffle")
        let indices = Array(0..<examples)
        let configuration = LocalTrainingConfiguration(epochs: 1, batchSize: batchSize, learningRate: 0.05)
        let trainer = LocalTrainer(architecture: architecture, threads: threads, batchCapacity: batchSize)
        var velocity: [Float] = []

        func epoch() {
            if !privateClipping {
                parameters = trainer.train(parameters: parameters, data: data, indices: indices,
                                           configuration: configuration, generator: &shuffle).parameters
                return
            }
            var order = indices
            Shuffle.fisherYates(&order, generator: &shuffle)
            var start = 0
            while start < order.count {
                let batch = Array(order[start..<min(start + batchSize, order.count)])
                var sum = trainer.engine.clippedGradientSum(parameters: parameters, data: data, indices: batch,
                                                            maxGradNorm: 1).gradientSum
                let scale = 1 / Float(batchSize)
                for j in sum.indices { sum[j] *= scale }
                configuration.optimizer.step(parameters: &parameters, gradient: sum, velocity: &velocity)
                start += batchSize
            }
        }

        epoch()
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<epochs {
            let elapsed = clock.measure { epoch() }
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        let median = times.sorted()[times.count / 2]
        return TrainingBenchmarkResult(model: architecture.description, threads: threads, batchSize: batchSize,
                                       examples: examples, privateClipping: privateClipping,
                                       samplesPerSecond: Double(examples) / median, seconds: median, epochSeconds: times)
    }
}
