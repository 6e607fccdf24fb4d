extension ScalarMath {
    /// (cos x, sin x) for a Double of moderate size (|x| < 2^20), in IEEE basic operations only,
    /// for the same reason as the rest of `ScalarMath`: the wavelet filters of the scattering
    /// transform must have the same bits on every machine, and glibc's `sin`/`cos` are not
    /// guaranteed to.
    ///
    /// Cody–Waite reduction x = q·π/2 + r with a two-part π/2 (the head has 33 significant bits,
    /// so q·head is exact for |q| < 2^20), |r| ≤ π/4; Taylor series for sin r through r^19 and
    /// cos r through r^20 (truncation error below 1e-19), then the quadrant q mod 4 picks signs.
    static func cosSin(_ x: Double) -> (cos: Double, sin: Double) {
        precondition(x.isFinite && abs(x) < 1_000_000, "cosSin argument \(x) out of range")
        let q = (x * 0.636_619_772_367_581_34).rounded(.toNearestOrEven)
        let r = (x - q * 1.570_796_326_734_125_6) - q * 6.077_100_506_506_192e-11
        let r2 = r * r
        // sin r = r(1 − r²/(2·3)(1 − r²/(4·5)(1 − …))), cos r = 1 − r²/(1·2)(1 − r²/(3·4)(1 − …)).
        var s = 1.0, c = 1.0
        for k in stride(from: 18, through: 2, by: -2) {
            s = 1 - r2 / Double(k * (k + 1)) * s
        }
        for k in stride(from: 19, through: 1, by: -2) {
            c = 1 - r2 / Double(k * (k + 1)) * c
        }
        s *= r
        switch Int(q) & 3 {
        case 0: return (c, s)
        case 1: return (-s, c)
        case 2: return (-c, -s)
        default: return (s, -c)
        }
    }
}
