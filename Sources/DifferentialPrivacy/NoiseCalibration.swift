/// The smallest noise multiplier meeting a privacy target, as Opacus's `get_noise_multiplier`.
public enum NoiseCalibration {
    /// Largest σ tried before a target is declared unreachable.
    public static let largestNoiseMultiplier = 1e4

    /// The smallest σ (to relative `tolerance`) such that `steps` releases at rate q satisfy
    /// (ε, δ)-DP under `accountant`.
    ///
    /// ε(σ) is decreasing in σ for both accountants, so the answer is bracketed by doubling or
    /// halving and then found by geometric bisection until hi/lo − 1 ≤ `tolerance`; the upper
    /// end, which meets the target, is returned. For the PLD accountant the RDP answer is an upper
    /// bracket (PLD ε ≤ RDP ε), which saves most of the slow evaluations.
    /// - Throws: `PrivacyAccountingError` for invalid inputs or an unreachable target.
    public static func noiseMultiplier(
        targetEpsilon: Double, delta: Double, samplingRate: Double, steps: Int,
        accountant: AccountantKind, tolerance: Double = 1e-3
    ) throws -> Double {
        try PrivacyAccountingError.check(epsilon: targetEpsilon)
        try PrivacyAccountingError.check(delta: delta)
        try PrivacyAccountingError.check(samplingRate: samplingRate)
        guard steps >= 1 else { throw PrivacyAccountingError.negativeSteps(steps) }
        precondition(tolerance > 0 && tolerance < 1)
        func epsilon(_ sigma: Double) throws -> Double {
            let history = [try SubsampledGaussianSteps(samplingRate: samplingRate, noiseMultiplier: sigma, steps: steps)]
            switch accountant {
            case .rdp: return try RDPAccountant().estimate(history, delta: delta).epsilon
            case .pld: return try PLDAccountant().estimate(history, delta: delta).epsilon
            }
        }
        var high: Double
        if accountant == .pld {
            high = try noiseMultiplier(targetEpsilon: targetEpsilon, delta: delta, samplingRate: samplingRate,
                                       steps: steps, accountant: .rdp, tolerance: tolerance)
        } else {
            high = 1
            while try epsilon(high) > targetEpsilon {
                high *= 2
                if high > largestNoiseMultiplier {
                    throw PrivacyAccountingError.targetUnreachable(
                        epsilon: targetEpsilon, delta: delta, largestTried: largestNoiseMultiplier)
                }
            }
        }
        var low = high / 1.25
        while try epsilon(low) <= targetEpsilon {
            high = low
            low /= 2
            if low < 1e-3 { return high }
        }
        while high / low - 1 > tolerance {
            let mid = (high * low).squareRoot()
            if try epsilon(mid) <= targetEpsilon { high = mid } else { low = mid }
        }
        return high
    }
}
