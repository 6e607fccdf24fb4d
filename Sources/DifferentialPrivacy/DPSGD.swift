import Randomness

/// The privacy parameters of DP-SGD for one party.
public struct DPSGDConfiguration: Sendable, Hashable, Codable {
    /// q: each example is included in a step's batch independently with this probability.
    public let samplingRate: Double
    /// σ: the noise standard deviation is σ·C.
    public let noiseMultiplier: Double
    /// C: every per-example gradient is clipped to this L2 norm.
    public let maxGradNorm: Double
    /// n: examples held by the party.
    public let datasetSize: Int

    /// - Throws: `PrivacyAccountingError` for q ∉ (0, 1] or σ ≤ 0; C and n are checked by
    ///   `DPSGDConfiguration.Error`.
    public init(samplingRate: Double, noiseMultiplier: Double, maxGradNorm: Double, datasetSize: Int) throws {
        try PrivacyAccountingError.check(samplingRate: samplingRate)
        try PrivacyAccountingError.check(noiseMultiplier: noiseMultiplier)
        guard maxGradNorm > 0, maxGradNorm.isFinite else { throw Error.clippingNormNotPositive(maxGradNorm) }
        guard datasetSize > 0 else { throw Error.emptyDataset }
        self.samplingRate = samplingRate
        self.noiseMultiplier = noiseMultiplier
        self.maxGradNorm = maxGradNorm
        self.datasetSize = datasetSize
    }

    /// q·n, the divisor of the noisy sum (Opacus's convention: the expected, not the drawn,
    /// batch size, so the divisor reveals nothing about the sample).
    public var expectedBatchSize: Double { samplingRate * Double(datasetSize) }

    /// σ·C.
    public var noiseStandardDeviation: Double { noiseMultiplier * maxGradNorm }

    public enum Error: Swift.Error, CustomStringConvertible, Equatable {
        case clippingNormNotPositive(Double)
        case emptyDataset

        public var description: String {
            switch self {
            case .clippingNormNotPositive(let c): "max_grad_norm must be a positive finite number, got \(c)"
            case .emptyDataset: "DP-SGD needs at least one example"
            }
        }
    }
}

/// What the caller's per-example machinery returns for a batch: the sum of the per-example
/// gradients, each clipped to L2 norm ≤ C, and how many examples went into it.
public struct ClippedGradientSum: Sendable {
    public var gradientSum: [Float]
    public var count: Int

    public init(gradientSum: [Float], count: Int) {
        self.gradientSum = gradientSum
        self.count = count
    }
}

/// One released DP-SGD gradient.
public struct DPSGDStepResult: Sendable {
    /// (Σ clipped gradients + N(0, σ²C²·I)) / (q·n).
    public var noisyGradient: [Float]
    /// The Poisson-sampled batch (ascending example indices; possibly empty).
    public var batch: [Int]
}

/// One step of DP-SGD (Abadi, Chu, Goodfellow, McMahan, Mironov, Talwar, Zhang 2016, Alg. 1)
/// with Opacus's conventions: Poisson sampling at rate q, per-example clipping to C (done by
/// the caller), Gaussian noise of standard deviation σ·C on the sum, division by the expected
/// batch size q·n. Each call is one release of the Poisson-subsampled Gaussian mechanism with
/// (q, σ) — record it in the party's `PrivacySpend` before the result leaves the party.
public enum DPSGDStep {
    /// - Parameters:
    ///   - configuration: q, σ, C, n.
    ///   - parameterCount: length of the gradient vector.
    ///   - sampling: the party's sampling stream (e.g. `client/3/round/5/sampling`).
    ///   - noise: the party's noise stream (e.g. `client/3/round/5/noise`); separate from
    ///     `sampling` so the noise drawn does not depend on the batch size.
    ///   - clippedGradientSum: given the batch's indices, returns the sum of the per-example
    ///     gradients each clipped to `configuration.maxGradNorm`. Not called for an empty batch,
    ///     whose sum is zero.
    /// - Returns: the noisy gradient and the batch.
    public static func run(
        configuration: DPSGDConfiguration,
        parameterCount: Int,
        sampling: inout ChaCha20Generator,
        noise: inout ChaCha20Generator,
        clippedGradientSum: ([Int]) throws -> ClippedGradientSum
    ) rethrows -> DPSGDStepResult {
        precondition(parameterCount >= 0)
        let batch = PoissonSampling.sample(populationSize: configuration.datasetSize,
                                           rate: configuration.samplingRate, using: &sampling)
        var sum: [Float]
        if batch.isEmpty {
            sum = [Float](repeating: 0, count: parameterCount)
        } else {
            let result = try clippedGradientSum(batch)
            precondition(result.gradientSum.count == parameterCount, "gradient sum has the wrong length")
            precondition(result.count == batch.count, "gradient sum covers \(result.count) examples, batch has \(batch.count)")
            sum = result.gradientSum
        }
        GaussianSampler.addNoise(to: &sum, standardDeviation: configuration.noiseStandardDeviation,
                                 thenScaleBy: Float(1 / configuration.expectedBatchSize), using: &noise)
        return DPSGDStepResult(noisyGradient: sum, batch: batch)
    }
}
