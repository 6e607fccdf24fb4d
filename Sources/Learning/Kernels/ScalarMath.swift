/// Elementary functions written out in IEEE basic operations only.
///
/// Why not the C library: glibc picks `exp`, `log` and `tanh` implementations at run time by CPU
/// feature (its FMA and AVX2 variants can differ in the last bit), and versions differ between
/// releases. These use only `+ − × ÷`, exact scalings and exact rounding to an integer, so
/// they return the same bits on every IEEE-754 machine, which the reproducibility audit needs.
/// Accuracy is a few ulp, ample for training.
enum ScalarMath {
    /// e^x for Float. Cody–Waite reduction x = k·ln2 + r with |r| ≤ ln2/2 (ln2 split into a
    /// 9-bit head, so k·head is exact), a degree-7 Taylor polynomial for e^r (truncation
    /// error below 2^-27 relative), then an exact scaling by 2^k. Inputs are clamped to
    /// [-87, 88], so the result is always a finite normal number.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let x = Swift.min(Swift.max(x, -87), 88)
        let k = (x * 1.442_695_04).rounded(.toNearestOrEven)
        let r = (x - k * 0.693_359_375) - k * -2.121_944_4e-4
        var p: Float = 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let scale = Float(bitPattern: UInt32(Int32(k) + 127) << 23)
        return p * scale
    }

    /// tanh for Float. Odd Taylor series through x^11 for |x| < 0.25 (no cancellation near 0),
    /// 1 − 2/(e^{2|x|} + 1) up to |x| = 9, and ±1 beyond (tanh 9 rounds to 1 in Float).
    @inline(__always)
    static func tanh(_ x: Float) -> Float {
        let a = abs(x)
        if a < 0.25 {
            let x2 = x * x
            var p: Float = -1382.0 / 155_925
            p = p * x2 + 62.0 / 2835
            p = p * x2 + -17.0 / 315
            p = p * x2 + 2.0 / 15
            p = p * x2 + -1.0 / 3
            return x + x * (x2 * p)
        }
        let t: Float = a > 9 ? 1 : 1 - 2 / (exp(2 * a) + 1)
        return x < 0 ? -t : t
    }

    /// Natural logarithm for a positive finite Double: x = 2^e·m with m in [√½, √2), then
    /// log m = 2·atanh(t), t = (m−1)/(m+1), |t| ≤ 0.172, summed through t^21 (error < 1e-17).
    static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "log of \(x)")
        var e = Double(Int(x.exponent))
        var m = x.significand
        if m > 1.414_213_562_373_095_1 {
            m *= 0.5
            e += 1
        }
        let t = (m - 1) / (m + 1)
        let t2 = t * t
        var s = 1.0 / 21
        for d in stride(from: 19, through: 1, by: -2) { s = s * t2 + 1 / Double(d) }
        return e * 0.693_147_180_559_945_3 + 2 * t * s
    }

    /// e^x for Double: x = k·ln2 + r with a two-part ln2 (the head has 32 significant bits, so
    /// k·head is exact for |k| < 2^20), a degree-13 Taylor polynomial on |r| ≤ ln2/2 (error below
    /// 2^-56), then an exact scaling by 2^k. Returns 0 below −708 and +∞ above 709.
    static func exp(_ x: Double) -> Double {
        if x < -708 { return 0 }
        if x > 709 { return .infinity }
        let k = (x * 1.442_695_040_888_963_4).rounded(.toNearestOrEven)
        let r = (x - k * 0x1.62e42fee00000p-1) - k * 1.908_214_929_270_587_7e-10
        // 1 + r(1 + r/2(1 + r/3(… (1 + r/13)))), each step one multiply, one divide, one add.
        var p = 1.0
        for d in stride(from: 13, through: 1, by: -1) {
            p = p * r / Double(d) + 1
        }
        return Double(sign: .plus, exponent: Int(k), significand: p)
    }
}
