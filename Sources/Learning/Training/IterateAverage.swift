/// An exponential moving average of the iterates of an optimiser, with bias correction:
/// after t iterates θ₁…θ_t, `average` = Σ_s (1 − β)·β^{t−s}·θ_s / (1 − β^t), a weighted mean
/// whose weights sum to 1 (the correction of Kingma & Ba, "Adam", ICLR 2015, §3, so that a
/// short run is not pulled towards zero).
///
/// Under DP-SGD every iterate is already differentially private, so any function of them —
/// this average included — costs no further privacy (post-processing; Dwork & Roth 2014,
/// Prop. 2.1). De et al., "Unlocking High-Accuracy Differentially Private Image Classification
/// through Scale" (2022, §3.2) find that releasing such an average instead of the last iterate
/// improves private accuracy, since it averages out part of the injected noise.
///
/// Determinism: one Float multiply-add per coordinate per iterate, in coordinate order, and the
/// correction factor computed in Double from the count of iterates, so the released bytes (whose
/// SHA-256 the ledger records) are the same on every run.
public struct IterateAverage: Sendable {
    public let decay: Float
    private var biased: [Float]
    private var decayPower = 1.0
    /// Iterates added so far.
    public private(set) var count = 0

    /// - Parameters:
    ///   - decay: β in (0, 1); the weight of the previous average at each step.
    ///   - parameterCount: length of the iterates.
    public init(decay: Float, parameterCount: Int) {
        precondition(decay > 0 && decay < 1, "EMA decay must be in (0, 1)")
        self.decay = decay
        biased = [Float](repeating: 0, count: parameterCount)
    }

    /// m ← β·m + (1 − β)·θ.
    public mutating func add(_ iterate: [Float]) {
        precondition(iterate.count == biased.count, "iterate length \(iterate.count) ≠ \(biased.count)")
        let beta = decay, weight = 1 - decay
        biased.withUnsafeMutableBufferPointer { m in
            iterate.withUnsafeBufferPointer { theta in
                for i in 0..<m.count { m[i] = beta * m[i] + weight * theta[i] }
            }
        }
        decayPower *= Double(decay)
        count += 1
    }

    /// m / (1 − β^t); nil before the first iterate.
    public var average: [Float]? {
        guard count > 0 else { return nil }
        let correction = Float(1 / (1 - decayPower))
        return biased.map { $0 * correction }
    }
}
