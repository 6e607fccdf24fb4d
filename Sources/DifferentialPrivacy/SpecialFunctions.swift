import Foundation

/// Log-space arithmetic and normal-distribution tails used by the accountants.
///
/// Everything here is written so that the quantities the accountants need — tail masses of
/// 1e-20 and below, moments of order 1024 — neither underflow nor lose their relative precision.
enum SpecialFunctions {
    /// log(e^a + e^b), exact for a or b = -inf.
    @inlinable
    static func logAddExp(_ a: Double, _ b: Double) -> Double {
        let hi = max(a, b), lo = min(a, b)
        if lo == -.infinity { return hi }
        return hi + log1p(exp(lo - hi))
    }

    /// log(e^a - e^b) for a ≥ b; -inf when they are equal.
    @inlinable
    static func logSubExp(_ a: Double, _ b: Double) -> Double {
        precondition(a >= b || b == -.infinity, "logSubExp needs a ≥ b")
        if b == -.infinity { return a }
        if a == b { return -.infinity }
        // log(e^a (1 - e^{b-a})); expm1 keeps precision when b is close to a.
        return a + log(-expm1(b - a))
    }

    /// log(erfc(x)), accurate for large positive x where erfc underflows.
    ///
    /// Below x = 25, `erfc` itself is representable (erfc(25) ≈ 8e-274) and accurate to a few
    /// ulps. Beyond, the asymptotic expansion erfc(x) = e^{-x²}/(x√π) · (1 − 1/(2x²) + 3/(4x⁴)
    /// − 15/(8x⁶) + 105/(16x⁸) …) (Abramowitz & Stegun 7.1.23) is used; at x ≥ 25 the truncation
    /// error of the five terms kept is below 1e-16 relative.
    static func logErfc(_ x: Double) -> Double {
        if x < 25 { return log(erfc(x)) }
        let r = 1 / (x * x)
        let series = 1 - r / 2 + 3 * r * r / 4 - 15 * r * r * r / 8 + 105 * r * r * r * r / 16
        return -x * x - log(x) - 0.5 * log(Double.pi) + log(series)
    }

    /// P(Z > z) for a standard normal Z, accurate in the upper tail.
    @inlinable
    static func normalSurvival(_ z: Double) -> Double {
        0.5 * erfc(z / 2.0.squareRoot())
    }

    /// P(Z ≤ z) for a standard normal Z, accurate in the lower tail.
    @inlinable
    static func normalCDF(_ z: Double) -> Double {
        0.5 * erfc(-z / 2.0.squareRoot())
    }
}
