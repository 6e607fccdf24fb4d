import DifferentialPrivacy
import Foundation
import Learning
import Randomness

/// Throughput of full DP-SGD steps, as a DP job runs them (`DPSGDLocalTrainStage`): Poisson
/// sampling at q = B/n, per-example clipping to C, Gaussian noise σC on the sum from the CSPRNG,
/// division by qn, SGD update. One epoch is ⌈n/B⌉ steps, i.e. n examples in expectation.
struct DPSGDThroughput: Codable {
    var model: String
    var threads: Int
    var expectedBatchSize: Int
    var examples: Int
    var noiseMultiplier: Double
    var maxGradNorm: Double
    var samplesPerSecond: Double
    var seconds: Double

    static func run(architecture: Architecture, data: LabeledImages, threads: Int, batchSize: Int, examples: Int,
                    noiseMultiplier: Double = 1, maxGradNorm: Double = 1, epochs: Int = 3) throws -> DPSGDThroughput {
        let streams = RandomStreams(seed: 1)
        var initGenerator = streams.generator("bench/init")
        var parameters = Model(architecture: architecture, generator: &initGenerator).parameters
        var sampling = streams.generator("bench/sampling")
        var noise = streams.generator("bench/noise")
        let configuration = try DPSGDConfiguration(samplingRate: min(1, Double(batchSize) / Double(examples)),
                                                   noiseMultiplier: noiseMultiplier, maxGradNorm: maxGradNorm, datasetSize: examples)
        let engine = GradientEngine(architecture: architecture, threads: threads, batchCapacity: batchSize + batchSize / 2)
        let optimizer = SGD(learningRate: 0.05)
        var velocity: [Float] = []
        let steps = (examples + batchSize - 1) / batchSize

        func epoch() {
            for _ in 0..<steps {
                let step = DPSGDStep.run(configuration: configuration, parameterCount: parameters.count,
                                         sampling: &sampling, noise: &noise) { batch in
                    let sum = engine.clippedGradientSum(parameters: parameters, data: data, indices: batch,
                                                        maxGradNorm: Float(maxGradNorm))
                    return DifferentialPrivacy.ClippedGradientSum(gradientSum: sum.gradientSum, count: sum.count)
                }
                optimizer.step(parameters: &parameters, gradient: step.noisyGradient, velocity: &velocity)
            }
        }
        epoch()
        var times: [Double] = []
        for _ in 0..<epochs {
            let elapsed = ContinuousClock().measure { epoch() }
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        let median = times.sorted()[times.count / 2]
        return DPSGDThroughput(model: architecture.description, threads: threads, expectedBatchSize: batchSize, examples: examples,
                               noiseMultiplier: noiseMultiplier, maxGradNorm: maxGradNorm,
                               samplesPerSecond: Double(examples) / median, seconds: median)
    }
}
