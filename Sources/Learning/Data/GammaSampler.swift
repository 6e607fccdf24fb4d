import Randomness

/// Gamma, normal and Dirichlet variates from a ChaCha20 stream, using only IEEE basic
/// operations and `ScalarMath` (no libm), so a seed gives the same draws on every machine.
enum GammaSampler {
    /// A standard normal variate by Marsaglia's polar method (Marsaglia & Bray 1964).
    static func normal(_ generator: inout ChaCha20Generator) -> Double {
        while true {
            let u = 2 * generator.nextUnitDouble() - 1, v = 2 * generator.nextUnitDouble() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * ScalarMath.log(s) / s).squareRoot() }
        }
    }

    /// log of a Gamma(shape, 1) variate. Marsaglia & Tsang, "A Simple Method for Generating Gamma
    /// Variables", ACM TOMS 26(3), 2000: for shape a ≥ 1, d = a − 1/3, c = 1/√(9d), accept
    /// d·(1 + c·x)³ by the squeeze then the log test; for a < 1, Gamma(a) = Gamma(a + 1)·U^{1/a}
    /// (§6), kept in log space (log U / a) so tiny shapes do not underflow to 0.
    static func logGamma(shape a: Double, _ generator: inout ChaCha20Generator) -> Double {
        precondition(a > 0 && a.isFinite, "gamma shape must be positive")
        if a < 1 {
            var u = generator.nextUnitDouble()
            while u == 0 { u = generator.nextUnitDouble() }
            return logGamma(shape: a + 1, &generator) + ScalarMath.log(u) / a
        }
        let d = a - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = normal(&generator)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = generator.nextUnitDouble()
            if u < 1 - 0.0331 * (x * x) * (x * x) { return ScalarMath.log(d * v) }
            if u > 0 && ScalarMath.log(u) < 0.5 * x * x + d * (1 - v + ScalarMath.log(v)) { return ScalarMath.log(d * v) }
        }
    }

    /// A Dirichlet(α, …, α) vector: normalised independent Gamma(α) variates (computed from their
    /// logs, shifted by the maximum, so the largest component is never lost to underflow).
    static func dirichlet(alpha: Double, dimension: Int, generator: inout ChaCha20Generator) -> [Double] {
        let logs = (0..<dimension).map { _ in logGamma(shape: alpha, &generator) }
        let top = logs.max() ?? 0
        let weights = logs.map { ScalarMath.exp($0 - top) }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }
}
