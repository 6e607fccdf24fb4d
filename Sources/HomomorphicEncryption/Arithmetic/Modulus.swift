/// A word-size prime modulus q < 2^62 with the constants for fast reduction.
///
/// Two reductions are used, as in Harvey 2014 ("Faster arithmetic for number-theoretic
/// transforms", J. Symb. Comp. 60) and SEAL:
/// - Barrett reduction of a 128-bit product with the precomputed ratio ⌊2^128 / q⌋, for
///   products of two varying operands;
/// - Shoup multiplication by a fixed operand w with the precomputed w' = ⌊w · 2^64 / q⌋, for
///   twiddle factors and constants: one high multiply and two low multiplies, result in [0, 2q).
///
/// The bound q < 2^62 keeps the lazy NTT's intermediate values (< 4q) inside 64 bits.
public struct Modulus: Sendable, Hashable {
    /// The modulus q.
    public let value: UInt64
    /// ⌊2^128 / q⌋, low and high words.
    @usableFromInline let ratioLow: UInt64
    @usableFromInline let ratioHigh: UInt64
    /// Number of significant bits of q.
    public let bitWidth: Int
    /// 2^64 mod q.
    @usableFromInline let twoTo64: UInt64

    /// - Parameter value: an odd modulus in (2, 2^62).
    public init(_ value: UInt64) {
        precondition(value > 2 && value < (1 << 62), "modulus must lie in (2, 2^62)")
        self.value = value
        // ⌊2^128 / q⌋ by long division of (1, 0, 0) by q.
        let high = UInt64.max / value  // ⌊(2^64 − 1) / q⌋ == ⌊2^64 / q⌋ since q does not divide 2^64
        let remHigh = (0 &- value) % value  // 2^64 mod q
        let low = value.dividingFullWidth((remHigh, 0)).quotient
        // ⌊2^64 / q⌋: UInt64.max / q equals it unless q | 2^64, impossible for odd q > 2.
        self.ratioHigh = high
        self.ratioLow = low
        self.bitWidth = 64 - value.leadingZeroBitCount
        self.twoTo64 = remHigh
    }

    /// (a + b) mod q for a, b < q. Written as a minimum so that it compiles to a conditional move:
    /// s − q wraps above s exactly when s < q (q < 2^62), and a branch on a random residue
    /// mispredicts half the time.
    @inlinable @inline(__always)
    public func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let s = a &+ b
        return Swift.min(s, s &- value)
    }

    /// (a − b) mod q for a, b < q: a − b, or a − b + q where a − b wrapped (then it is the smaller).
    @inlinable @inline(__always)
    public func subtract(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let d = a &- b
        return Swift.min(d, d &+ value)
    }

    /// (−a) mod q for a < q.
    @inlinable @inline(__always)
    public func negate(_ a: UInt64) -> UInt64 {
        a == 0 ? 0 : value &- a
    }

    /// Barrett reduction of the 128-bit value hi·2^64 + lo < q^2 (SEAL's barrett_reduce_128).
    @inlinable @inline(__always)
    public func reduce(high hi: UInt64, low lo: UInt64) -> UInt64 {
        let carry0 = lo.multipliedFullWidth(by: ratioLow).high
        let p1 = lo.multipliedFullWidth(by: ratioHigh)
        let (t1, o1) = p1.low.addingReportingOverflow(carry0)
        let t3 = p1.high &+ (o1 ? 1 : 0)
        let p2 = hi.multipliedFullWidth(by: ratioLow)
        let (_, o2) = t1.addingReportingOverflow(p2.low)
        let carry1 = p2.high &+ (o2 ? 1 : 0)
        let quotient = hi &* ratioHigh &+ t3 &+ carry1
        let r = lo &- quotient &* value
        return r >= value ? r &- value : r
    }

    /// x mod q for any 64-bit x.
    @inlinable @inline(__always)
    public func reduce(_ x: UInt64) -> UInt64 {
        // ⌊x · ⌊2^64/q⌋ / 2^64⌋ underestimates ⌊x/q⌋ by at most 2, hence two corrections.
        let q = x.multipliedFullWidth(by: ratioHigh).high
        var r = x &- q &* value
        if r >= value { r &-= value }
        if r >= value { r &-= value }
        return r
    }

    /// (a · b) mod q for a, b < q.
    @inlinable @inline(__always)
    public func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let p = a.multipliedFullWidth(by: b)
        return reduce(high: p.high, low: p.low)
    }

    /// The Shoup companion w' = ⌊w · 2^64 / q⌋ of a fixed operand w < q.
    @inlinable
    public func shoup(_ w: UInt64) -> UInt64 {
        value.dividingFullWidth((w, 0)).quotient
    }

    /// x · w mod q in [0, 2q), for any 64-bit x and w < q with companion `wShoup` (Harvey 2014, Alg. 2).
    @inlinable @inline(__always)
    public func multiplyShoupLazy(_ x: UInt64, _ w: UInt64, _ wShoup: UInt64) -> UInt64 {
        let qhat = x.multipliedFullWidth(by: wShoup).high
        return x &* w &- qhat &* value
    }

    /// x · w mod q in [0, q).
    @inlinable @inline(__always)
    public func multiplyShoup(_ x: UInt64, _ w: UInt64, _ wShoup: UInt64) -> UInt64 {
        let r = multiplyShoupLazy(x, w, wShoup)
        return r >= value ? r &- value : r
    }

    /// a^e mod q.
    public func power(_ a: UInt64, _ e: UInt64) -> UInt64 {
        var result: UInt64 = 1 % value, base = a % value, e = e
        while e > 0 {
            if e & 1 == 1 { result = multiply(result, base) }
            base = multiply(base, base)
            e >>= 1
        }
        return result
    }

    /// a^{-1} mod q for prime q and a ≢ 0 (Fermat).
    public func inverse(_ a: UInt64) -> UInt64 {
        precondition(a % value != 0, "zero has no inverse")
        return power(a, value - 2)
    }

    /// The residue of a signed 64-bit integer.
    @inlinable @inline(__always)
    public func reduce(signed x: Int64) -> UInt64 {
        x >= 0 ? reduce(UInt64(x)) : negate(reduce(x.magnitude))
    }

    /// The residue of the integer hi·2^64 + lo with any 64-bit words.
    @inlinable @inline(__always)
    public func reduce(wideHigh hi: UInt64, low lo: UInt64) -> UInt64 {
        let h = reduce(hi)
        // h·2^64 is folded through 2^64 mod q so that the Barrett input stays below q^2.
        let p = h.multipliedFullWidth(by: twoTo64)
        return add(reduce(high: p.high, low: p.low), reduce(lo))
    }
}
