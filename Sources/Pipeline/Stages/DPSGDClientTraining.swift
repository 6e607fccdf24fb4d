import DifferentialPrivacy
import Learning
import Randomness

/// The DP-SGD client loop (Abadi et al. 2016, Algorithm 1, with Opacus' conventions), written
/// once: `DPSGDLocalTrainStage` runs it on a client's shard and `privfed bench train --dp`
/// times it, so the benchmark measures the code a job runs.
///
/// Each of `steps` steps samples every index of `indices` independently with probability q
/// (Poisson, as the accounting assumes; `sampling`), clips each example's gradient to C in flat
/// L2 norm, adds N(0, σ²C²) to the sum (`noise`), divides by the expected batch size q·n and
/// takes one SGD (momentum) step.
///
/// With `emaDecay`, the parameters returned (and so released) are the bias-corrected exponential
/// moving average of the iterates after each step (`IterateAverage`): post-processing of DP
/// outputs, so it costs no privacy. The average restarts with each call (each round), from
/// the first iterate of that call.
///
/// With `augmentation` (K copies), each sampled example trains as K randomly shifted copies and
/// the mean of their gradients is what is clipped (`ImageShiftAugmentation`, De et al. 2022):
/// the same sensitivity, so the same privacy cost, at K times the compute.
public struct DPSGDClientTraining {
    public let configuration: DPSGDConfiguration
    let engine: GradientEngine
    let optimizer: SGD
    let momentum: Float
    let emaDecay: Float?
    let augmentation: ImageShiftAugmentation?

    /// Statistics of the client's private data: they stay with the client (`MetricOwner.client`).
    public struct Result: Sendable {
        public var parameters: [Float]
        /// Mean cross-entropy over every example sampled, before clipping and noise.
        public var meanLoss: Double
        /// Examples sampled over all steps.
        public var examples: Int
    }

    public init(architecture: Architecture, configuration: DPSGDConfiguration, learningRate: Float, momentum: Float, threads: Int,
                emaDecay: Float? = nil, augmentation: ImageShiftAugmentation? = nil) {
        self.configuration = configuration
        self.emaDecay = emaDecay
        self.augmentation = augmentation
        self.engine = GradientEngine(architecture: architecture, threads: threads,
                                     batchCapacity: (Int(configuration.expectedBatchSize * 1.5) + 8) * (augmentation?.multiplicity ?? 1))
        self.optimizer = SGD(learningRate: learningRate, momentum: momentum)
        self.momentum = momentum
    }

    /// `steps` DP-SGD steps from `parameters` over `data[indices]`; `augmenting` draws the
    /// shifts of `augmentation` (required with it, unused without).
    public func train(parameters start: [Float], data: LabeledImages, indices: [Int], steps: Int,
                      sampling: inout ChaCha20Generator, noise: inout ChaCha20Generator,
                      augmenting: ChaCha20Generator? = nil) -> Result {
        precondition((augmentation == nil) == (augmenting == nil), "augmentation needs its own stream, and only it")
        var shifts = augmenting
        var parameters = start
        var velocity = [Float](repeating: 0, count: momentum == 0 ? 0 : parameters.count)
        let maxGradNorm = Float(configuration.maxGradNorm)
        var lossSum = 0.0, examples = 0
        var average = emaDecay.map { IterateAverage(decay: $0, parameterCount: parameters.count) }
        for _ in 0..<steps {
            let step = DPSGDStep.run(configuration: configuration, parameterCount: parameters.count, sampling: &sampling, noise: &noise) { batch in
                let local = batch.map { indices[$0] }
                let sum: Learning.ClippedGradientSum
                if let augmentation {   // with its stream: the precondition above
                    sum = engine.clippedGradientSum(parameters: parameters, data: data, indices: local, maxGradNorm: maxGradNorm,
                                                    augmentation: augmentation, using: &shifts!)
                } else {
                    sum = engine.clippedGradientSum(parameters: parameters, data: data, indices: local, maxGradNorm: maxGradNorm)
                }
                lossSum += sum.lossSum
                examples += sum.count
                return DifferentialPrivacy.ClippedGradientSum(gradientSum: sum.gradientSum, count: sum.count)
            }
            optimizer.step(parameters: &parameters, gradient: step.noisyGradient, velocity: &velocity)
            average?.add(parameters)
        }
        return Result(parameters: average?.average ?? parameters, meanLoss: examples > 0 ? lossSum / Double(examples) : 0, examples: examples)
    }
}
