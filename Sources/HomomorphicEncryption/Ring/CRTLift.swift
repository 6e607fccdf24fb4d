import Foundation

/// Lifting RNS residues to centred integers (as Doubles), the last step of CKKS decoding.
///
/// x = Σ y_i · (Q/q_i) − v · Q with y_i = [x_i · (Q/q_i)^{−1}]_{q_i} and v = round(Σ y_i / q_i)
/// (the fractional part of Σ y_i/q_i is x/Q, far from 1/2 for any decryptable x, so double
/// precision gives v exactly). The sum is evaluated exactly modulo 2^192 with 64-bit words (no
/// software 128-bit conversions on the hot path); the result is exact whenever the centred |x| < 2^191.
/// `count` lifts only the first coefficients (the ones a decoder reads).
///
/// Fast path: the same sum modulo 2^128 (two words) already determines x when |x| < 2^127. The
/// fraction f = Σ y_i/q_i − v that gives v also gives x ≈ f·Q, to within L·2^−52·Q (L primes, each
/// term's double rounding), so |f|·Q < 2^125 proves |x| < 2^127 whenever L·2^−52·Q < 2^124, and
/// only the other coefficients pay for the third word (threshold aggregates near Q/4 always do;
/// single-key decryption at a small scale never does).
extension HEContext {
    func liftCentred(_ p: RNSPolynomial, count: Int? = nil) -> [Double] {
        let n = degree, limbs = p.limbCount, count = count ?? degree
        var out = [Double](repeating: 0, count: count)
        let c = levelConstants[limbs - 1]
        p.residues.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            if limbs == 1 {
                let q = moduli[0].value, half = q / 2
                for j in 0..<count {
                    let x = base[j]
                    out[j] = x > half ? -Double(q - x) : Double(x)
                }
            } else {
                let modulus = pow(2, c.logQ)
                // |x| below this is certain to fit the two-word sum (see above); 0 when L·2^−52·Q is too large.
                let twoWordLimit = Double(limbs) * 0x1p-52 * modulus < 0x1p124 ? 0x1p125 : 0, fast = twoWordLimit > 0
                withUnsafeTemporaryAllocation(of: UInt64.self, capacity: limbs) { ys in
                    for j in 0..<count {
                        var low = Word192()
                        var v = 0.0
                        for i in 0..<limbs {
                            let y = c.moduli[i].multiplyShoup(base[i * n + j], c.qHatInverse[i], c.qHatInverseShoup[i])
                            ys[i] = y
                            if fast { low.addTwoWords(c.qHatLow192[i], times: y) }
                            v += Double(y) * c.inverseModuli[i]
                        }
                        let rounded = v.rounded()
                        if abs(v - rounded) * modulus < twoWordLimit {
                            low.subtractTwoWords(c.modulusLow192, times: UInt64(rounded))
                            out[j] = low.signedDoubleTwoWords
                        } else {
                            var acc = Word192()
                            for i in 0..<limbs { acc.add(c.qHatLow192[i], times: ys[i]) }
                            acc.subtract(c.modulusLow192, times: UInt64(rounded))
                            out[j] = acc.signedDouble
                        }
                    }
                }
            }
        }
        return out
    }
}

/// A 192-bit two's-complement accumulator (three little-endian words).
struct Word192: Sendable {
    var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0

    init() {}

    init(_ words: [UInt64]) {
        w0 = words.count > 0 ? words[0] : 0
        w1 = words.count > 1 ? words[1] : 0
        w2 = words.count > 2 ? words[2] : 0
    }

    /// self += a · y (mod 2^192).
    @inline(__always)
    mutating func add(_ a: Word192, times y: UInt64) {
        let p0 = a.w0.multipliedFullWidth(by: y), p1 = a.w1.multipliedFullWidth(by: y)
        let t1 = p0.high.addingReportingOverflow(p1.low)
        let t2 = p1.high &+ a.w2 &* y &+ (t1.overflow ? 1 : 0)
        let s0 = w0.addingReportingOverflow(p0.low)
        let s1a = w1.addingReportingOverflow(t1.partialValue)
        let s1b = s1a.partialValue.addingReportingOverflow(s0.overflow ? 1 : 0)
        w0 = s0.partialValue
        w1 = s1b.partialValue
        w2 = w2 &+ t2 &+ (s1a.overflow ? 1 : 0) &+ (s1b.overflow ? 1 : 0)
    }

    /// self −= a · y (mod 2^192).
    @inline(__always)
    mutating func subtract(_ a: Word192, times y: UInt64) {
        var negated = self
        negated.negate()
        negated.add(a, times: y)
        negated.negate()
        self = negated
    }

    /// (w0, w1) += (a.w0, a.w1) · y (mod 2^128); w2 untouched.
    @inline(__always)
    mutating func addTwoWords(_ a: Word192, times y: UInt64) {
        let p0 = a.w0.multipliedFullWidth(by: y)
        let s0 = w0.addingReportingOverflow(p0.low)
        w0 = s0.partialValue
        w1 = w1 &+ p0.high &+ a.w1 &* y &+ (s0.overflow ? 1 : 0)
    }

    /// (w0, w1) −= (a.w0, a.w1) · y (mod 2^128); w2 untouched.
    @inline(__always)
    mutating func subtractTwoWords(_ a: Word192, times y: UInt64) {
        let p0 = a.w0.multipliedFullWidth(by: y)
        let s0 = w0.subtractingReportingOverflow(p0.low)
        w0 = s0.partialValue
        w1 = w1 &- p0.high &- a.w1 &* y &- (s0.overflow ? 1 : 0)
    }

    /// (w0, w1) as a signed 128-bit integer, rounded to Double.
    var signedDoubleTwoWords: Double {
        if w1 >> 63 == 0 { return Double(w1) * 0x1p64 + Double(w0) }
        let n0 = ~w0 &+ 1, n1 = ~w1 &+ (w0 == 0 ? 1 : 0)
        return -(Double(n1) * 0x1p64 + Double(n0))
    }

    @inline(__always)
    mutating func negate() {
        w0 = ~w0; w1 = ~w1; w2 = ~w2
        let s0 = w0.addingReportingOverflow(1)
        w0 = s0.partialValue
        if s0.overflow {
            let s1 = w1.addingReportingOverflow(1)
            w1 = s1.partialValue
            if s1.overflow { w2 &+= 1 }
        }
    }

    /// The value as a signed integer, rounded to Double.
    var signedDouble: Double {
        if w2 >> 63 == 0 { return (Double(w2) * 0x1p64 + Double(w1)) * 0x1p64 + Double(w0) }
        var m = self
        m.negate()
        return -((Double(m.w2) * 0x1p64 + Double(m.w1)) * 0x1p64 + Double(m.w0))
    }
}
