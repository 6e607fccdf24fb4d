import DifferentialPrivacy
import Foundation
import Learning
import Pipeline
import Randomness

/// Throughput of full DP-SGD steps, through the loop a DP job runs (`DPSGDClientTraining`): Poisson
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
        // The job's own client loop (`DPSGDLocalTrainStage` runs the same `DPSGDClientTraining`).
        let training = DPSGDClientTraining(architecture: architecture, configuration: configuration, learningRate: 0.05,
                                           momentum: 0, threads: threads)
        let indices = Array(0..<examples)
        let steps = (examples + batchSize - 1) / batchSize

        func epoch() {
            parameters = training.train(parameters: parameters, data: data, indices: indices, steps: steps,
                                        sampling: &sampling, noise: &noise).parameters
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
