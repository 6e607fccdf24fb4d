import Foundation
import Randomness

/// Adaptive clipping of DP-FedAvg's update norm: Andrew, Thakkar, McMahan, Ramaswamy,
/// "Differentially Private Learning with Adaptive Clipping" (NeurIPS 2021), Algorithm 1 with the
/// geometric update, as TensorFlow Federated's quantile-estimation aggregator and Flower's
/// adaptive-clipping strategies ship it.
///
/// Each round t every sampled client reports, beside its update clipped to C_t, one bit
/// b_i = 1 when its update's norm was at most C_t. The server releases the noisy fraction
/// b̄ = (Σ (b_i − ½) + N(0, σ_b²)) / m + ½ (m the expected cohort size, a fixed denominator) and
/// moves the clip towards the γ-quantile of the norms: C_{t+1} = C_t · exp(−η (b̄ − γ)).
///
/// Privacy: the bits are centred, so one client moves their sum by at most ½. Released together
/// with the update sum (sensitivity C_t, noise σ_Δ·C_t), the pair is one Gaussian mechanism with
/// noise multiplier σ = (σ_Δ⁻² + (2σ_b)⁻²)^(−½) (the paper's Theorem 1: scale the count by
/// σ_Δ/σ_b and the joint sensitivity is √(1 + σ_Δ²/(4σ_b²))). So the accountant charges the job's
/// σ exactly as with a fixed clip, the update carries the slightly larger σ_Δ, and the clip's
/// history is post-processing of released values: C_t may change every round without any
/// change to the accounting.
public struct AdaptiveClipping: Sendable, Equatable, Codable {
    /// γ: the fraction of updates that should end a round unclipped.
    public var targetQuantile: Double
    /// η: the step of the geometric update of log C.
    public var learningRate: Double
    /// σ_b: the standard deviation of the noise on the sum of the centred bits.
    public var countStandardDeviation: Double

    public init(targetQuantile: Double, learningRate: Double, countStandardDeviation: Double) {
        self.targetQuantile = targetQuantile; self.learningRate = learningRate; self.countStandardDeviation = countStandardDeviation
    }

    /// The defaults of Andrew et al. §3 (γ = 0.5, η = 0.2, σ_b = m/20).
    public static let defaultTargetQuantile = 0.5, defaultLearningRate = 0.2
    public static func defaultCountStandardDeviation(expectedCohort m: Int) -> Double { Double(m) / 20 }

    /// σ_Δ, the update's noise multiplier, for the accounted σ: (σ⁻² − (2σ_b)⁻²)^(−½).
    /// Nil when 2σ_b ≤ σ: the count alone would then spend more than the whole budget allows.
    public func updateNoiseMultiplier(accounted sigma: Double) -> Double? {
        let rest = 1 / (sigma * sigma) - 1 / (4 * countStandardDeviation * countStandardDeviation)
        guard sigma > 0, rest > 0 else { return nil }
        return 1 / rest.squareRoot()
    }

    /// The noisy fraction of unclipped updates, b̄, with the count's noise from `generator`.
    public func noisyUnclippedFraction(unclipped: Int, reported: Int, expectedCohort m: Int,
                                       using generator: inout ChaCha20Generator) -> Double {
        let centred = Double(unclipped) - 0.5 * Double(reported)
        let noisy = centred + countStandardDeviation * GaussianSampler.standardNormal(using: &generator)
        return noisy / Double(m) + 0.5
    }

    /// C_{t+1} = C_t · exp(−η (b̄ − γ)): the clip grows while fewer than γ of the updates fit.
    public func nextClip(after clip: Double, unclippedFraction: Double) -> Double {
        clip * Foundation.exp(-learningRate * (unclippedFraction - targetQuantile))
    }
}
