import Foundation

/// Rényi differential privacy of one step of the Poisson-subsampled Gaussian mechanism.
///
/// Mironov, Talwar, Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism"
/// (arXiv:1908.10530). With sampling rate q, noise multiplier σ (noise standard deviation σ·C for
/// sensitivity C) and add/remove-one neighbours, the mechanism is (α, log(A_α)/(α − 1))-RDP where
///
///     A_α = E_{z∼N(0,σ²)} [ (1 − q + q·exp((2z − 1)/(2σ²)))^α ]          (Sec. 3.1)
///
/// computed two ways:
/// - integer α: the binomial expansion A_α = Σ_k C(α,k) (1−q)^{α−k} q^k exp((k² − k)/(2σ²))
///   (Sec. 3.2), summed in log space;
/// - fractional α: the two series obtained by splitting the integral at
///   z₀ = σ² log(1/q − 1) + 1/2, where q·μ₁/μ₀ crosses 1 − q (Sec. 3.3). The generalised
///   binomial coefficients C(α,i) change sign for i > α; their signs are kept (positive and
///   negative parts are accumulated separately in log space and subtracted once).
///
/// q = 1 is the plain Gaussian mechanism, RDP α/(2σ²) (Mironov 2017, Prop. 7); q = 0 releases
/// nothing about any example, RDP 0.
public enum SubsampledGaussianRDP {
    /// RDP ε(α) of a single step.
    /// - Parameters:
    ///   - samplingRate: q in [0, 1].
    ///   - noiseMultiplier: σ > 0, noise standard deviation divided by the L2 sensitivity.
    ///   - order: α > 1.
    /// - Returns: the RDP bound; `.infinity` when the series does not converge numerically
    ///   (such an order is then useless for conversion and is skipped by the accountant).
    public static func rdp(samplingRate q: Double, noiseMultiplier sigma: Double, order alpha: Double) -> Double {
        precondition((0...1).contains(q), "sampling rate must be in [0, 1]")
        precondition(sigma > 0, "noise multiplier must be positive")
        precondition(alpha > 1, "RDP order must exceed 1")
        if q == 0 { return 0 }
        if q == 1 { return alpha / (2 * sigma * sigma) }
        let logA: Double
        if alpha == alpha.rounded(), alpha < 1e6 {
            logA = logAInteger(q: q, sigma: sigma, alpha: Int(alpha))
        } else {
            logA = logAFractional(q: q, sigma: sigma, alpha: alpha)
        }
        return max(0, logA / (alpha - 1))
    }

    /// log A_α for integer α ≥ 2 by the binomial expansion (Mironov et al. 2019, Sec. 3.2).
    static func logAInteger(q: Double, sigma: Double, alpha: Int) -> Double {
        let logQ = log(q), log1mQ = log1p(-q)
        let twoSigma2 = 2 * sigma * sigma
        var logA = -Double.infinity
        var logBinomial = 0.0  // log C(α, 0)
        for k in 0...alpha {
            if k > 0 { logBinomial += log(Double(alpha - k + 1)) - log(Double(k)) }
            let kd = Double(k)
            let term = logBinomial + kd * logQ + Double(alpha - k) * log1mQ + (kd * kd - kd) / twoSigma2
            logA = SpecialFunctions.logAddExp(logA, term)
        }
        return logA
    }

    /// Terms beyond this count are not summed; at that depth the alternating tail is below
    /// 1e-10 of the total for every (q, σ, α) of the default grid.
    static let maximumFractionalTerms = 20_000

    /// log A_α for real α by the two-series formula (Mironov et al. 2019, Sec. 3.3).
    static func logAFractional(q: Double, sigma: Double, alpha: Double) -> Double {
        let logQ = log(q), log1mQ = log1p(-q)
        let twoSigma2 = 2 * sigma * sigma
        let rootTwoSigma = 2.0.squareRoot() * sigma
        let z0 = sigma * sigma * (log1p(-q) - logQ) + 0.5
        let logHalf = log(0.5)
        // Positive and negative parts of the two integrals (below and above z0), in log space.
        var positive = -Double.infinity, negative = -Double.infinity
        var logBinomial = 0.0  // log |C(α, 0)|
        var sign = 1.0
        for i in 0..<maximumFractionalTerms {
            if i > 0 {
                let factor = alpha - Double(i) + 1
                logBinomial += log(abs(factor)) - log(Double(i))
                if factor < 0 { sign = -sign }
            }
            let id = Double(i)
            let j = alpha - id
            let logT0 = logBinomial + id * logQ + j * log1mQ
            let logT1 = logBinomial + j * logQ + id * log1mQ
            let logE0 = logHalf + SpecialFunctions.logErfc((id - z0) / rootTwoSigma)
            let logE1 = logHalf + SpecialFunctions.logErfc((z0 - j) / rootTwoSigma)
            let s0 = logT0 + (id * id - id) / twoSigma2 + logE0
            let s1 = logT1 + (j * j - j) / twoSigma2 + logE1
            let term = SpecialFunctions.logAddExp(s0, s1)
            if sign > 0 {
                positive = SpecialFunctions.logAddExp(positive, term)
            } else {
                negative = SpecialFunctions.logAddExp(negative, term)
            }
            // Past the sign change the terms alternate and shrink: stop when the next one can
            // no longer move the total in the 13th significant digit.
            if id > alpha + 1, term < positive - 30 { break }
        }
        guard positive > negative else { return .infinity }
        return SpecialFunctions.logSubExp(positive, negative)
    }
}
