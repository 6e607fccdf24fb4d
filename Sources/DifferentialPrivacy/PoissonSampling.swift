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
    /// Each decision compares a 53-bit uniform with q, so the inclusion probability is q rounded
    /// up to a multiple of 2⁻⁵³.
    public static func sample(populationSize: Int, rate: Double, using generator: inout ChaCha20Generator) -> [Int] {
        precondition(populationSize >= 0, "population size must be non-negative")
        precondition((0...1).contains(rate), "sampling rate must be in [0, 1]")
        if rate == 1 { return Array(0..<populationSize) }
        var chosen: [Int] = []
        chosen.reserveCapacity(Int(Double(populationSize) * rate * 1.2) + 16)
        for index in 0..<populationSize where generator.nextUnitDouble() < rate {
            chosen.append(index)
        }
        return chosen
    }
}
