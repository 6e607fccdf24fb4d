/// Elementary functions written out in IEEE basic operations only.
///
/// Why not the C library: glibc picks `exp`, `log` and `tanh` implementations at run time by CPU
/// feature (its FMA and AVX2 variants can differ in the last bit), and versions differ between
/// releases. These use only `+ − × ÷`, exact scalings and exact rounding to an integer, so
/// they return the same bits on every IEEE-754 machine, which the reproducibility audit needs.
/// Accuracy is a few ulp, ample for training.
enum ScalarMath {
    /// Sixteen Float lanes; the scalar functions run the same lane-wise code, so a value gets the
    /// same bits whether it is computed alone or inside a vector.
    typealias Lanes = SIMD16<Float>

    /// e^x for Float. Cody–Waite reduction x = k·ln2 + r with |r| ≤ ln2/2 (ln2 split into a
    /// 9-bit head, so k·head is exact), a degree-7 Taylor polynomial for e^r (truncation
    /// error below 2^-27 relative), then an exact scaling by 2^k. Inputs are clamped to
    /// [-87, 88], so the result is always a finite normal number.
    @inline(__always)
    static func exp(_ x: Lanes) -> Lanes {
        let x = x.clamped(lowerBound: Lanes(repeating: -87), upperBound: Lanes(repeating: 88))
        let k = (x * 1.442_695_04).rounded(.toNearestOrEven)
        let r = (x - k * 0.693_359_375) - k * -2.121_944_4e-4
        var p = Lanes(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let biased = (SIMD16<Int32>(k, rounding: .towardZero) &+ 127) &<< 23
        return p * unsafeBitCast(biased, to: Lanes.self)
    }

    /// tanh for Float. Odd Taylor series through x^11 for |x| < 0.25 (no cancellation near 0),
    /// 1 − 2/(e^{2|x|} + 1) up to |x| = 9, and ±1 beyond (tanh 9 rounds to 1 in Float).
    /// Both branches are computed and selected per lane.
    @inline(__always)
    static func tanh(_ x: Lanes) -> Lanes {
        let a = pointwiseMax(x, -x)
        let x2 = x * x
        var p = Lanes(repeating: -1382.0 / 155_925)
        p = p * x2 + 62.0 / 2835
        p = p * x2 + -17.0 / 315
        p = p * x2 + 2.0 / 15
        p = p * x2 + -1.0 / 3
        let series = x + x * (x2 * p)
        let clampedA = pointwiseMin(a, Lanes(repeating: 9))
        var t = 1 - 2 / (exp(2 * clampedA) + 1)
        t.replace(with: 1, where: a .> 9)
        t.replace(with: -t, where: x .< 0)
        t.replace(with: series, where: a .< 0.25)
        return t
    }

    /// Scalar e^x (one lane of the vector version).
    static func exp(_ x: Float) -> Float { exp(Lanes(repeating: x))[0] }

    /// Scalar tanh (one lane of the vector version).
    static func tanh(_ x: Float) -> Float { tanh(Lanes(repeating: x))[0] }

    /// y[i] = tanh(x[i]) for i in `range`, sixteen at a time; the tail goes through a zero-padded vector.
    static func tanh(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, range: Range<Int>) {
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: Lanes.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: tanh(v), as: Lanes.self)
            i += 16
        }
        if i < range.upperBound {
            var v = Lanes()
            for j in 0..<(range.upperBound - i) { v[j] = x[i + j] }
            let t = tanh(v)
            for j in 0..<(range.upperBound - i) { y[i + j] = t[j] }
        }
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
