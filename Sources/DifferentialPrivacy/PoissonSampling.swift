import Foundation
import Randomness

/// Poisson sampling: every example is included independently with probability q, so batch
/// sizes vary (and may be zero).
///
/// This is the sampling the subsampled-Gaussian analyses assume (Mironov, Talwar, Zhang 2019;
/// Abadi et al. 2016, Sec. 3.1 "lots"); fixed-size shuffled batches would need a different
/// accountant, and the ledger must never claim Poisson sampling for them.
public enum PoissonSampling {
    /// Indices in 0..<populationSize, ascending, each included with probability `rate`.
    ///
    /// Geometric skipping (the geometric distribution by inversion; Devroye 1986, "Non-Uniform
    /// Random Variate Generation", chapter on discrete distributions): independent Bernoulli(q) trials are
    /// equivalent to gaps G = ⌊ln U / ln(1 − q)⌋ between successive inclusions, i.i.d. geometric
    /// with P(G ≥ k) = (1 − q)ᵏ (P(U ≤ (1 − q)ᵏ) for U uniform on (0, 1]). So the cost is one
    /// keystream word and one log per included index plus one: O(q·n) expected, instead of one
    /// uniform per example. U carries 53 bits (U = (k + 1)·2⁻⁵³) and ln(1 − q) is computed as
    /// log1p(−q), so the inclusion probabilities are q to within about 2⁻⁵³ absolute.
    ///
    /// q = 0 returns [] and q = 1 every index, neither reading the generator.
    public static func sample(populationSize: Int, rate: Double, using generator: inout ChaCha20Generator) -> [Int] {
        precondition(populationSize >= 0, "population size must be non-negative")
        precondition((0...1).contains(rate), "sampling rate must be in [0, 1]")
        if rate == 1 { return Array(0..<populationSize) }
        if rate == 0 || populationSize == 0 { return [] }
        let logComplement = log1p(-rate)  // < 0
        var chosen: [Int] = []
        chosen.reserveCapacity(Int(Double(populationSize) * rate * 1.2) + 16)
        var index = -1
        while true {
            let u = Double(Int64(bitPattern: (generator.next() >> 11) + 1)) * 0x1.0p-53  // (0, 1]
            let gap = log(u) / logComplement  // ≥ 0 (−0 when u = 1)
            // The next index is index + 1 + ⌊gap⌋; it must stay below populationSize.
            if !(gap < Double(populationSize - 1 - index)) { break }
            index += 1 + Int(gap)
            chosen.append(index)
        }
        return chosen
    }
}
