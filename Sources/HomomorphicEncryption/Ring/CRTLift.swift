import Foundation

/// Lifting RNS residues to centred integers (as Doubles), the last step of CKKS decoding.
///
/// x = Σ y_i · (Q/q_i) − v · Q with y_i = [x_i · (Q/q_i)^{−1}]_{q_i} and v = round(Σ y_i / q_i)
/// (the fractional part of Σ y_i/q_i is x/Q, far from 1/2 for any decryptable x, so double
/// precision gives v exactly). The sum is evaluated exactly modulo 2^192 with 64-bit words (no
/// software 128-bit conversions on the hot path); the result is exact whenever the centred |x| < 2^191.
///
/// Fast path: the same sum modulo 2^128 (two words) already determines x when |x| < 2^127. The
/// fraction f = Σ y_i/q_i − v that gives v also gives x ≈ f·Q, to within L·2^−52·Q (L primes, each
/// term's double rounding), so |f|·Q < 2^125 proves |x| < 2^127 whenever L·2^−52·Q < 2^124, and
/// only the other coefficients pay for the third word (threshold aggregates near Q/4 always do;
/// single-key decryption at a small scale never does).
///
/// The rows may hold c·x instead of x for a constant c (an inverse NTT left unscaled, c = N)
/// and be lazily reduced (residues ≡ c·x_i mod q_i in [0, 2q_i)): the lift table folds c^{−1}
/// into the constants k_i = c^{−1}·(Q/q_i)^{−1} mod q_i, and the product x_i·k_i reduces any
/// such x_i, so y_i is the same canonical residue either way and the lifted values are bit for
/// bit those of the canonical rows.
///
/// The lift runs in blocks of coefficients: first, prime by prime, the y_i and the partial
/// sums of v, four lanes at a time in double precision for primes below 2^50 (the product of
/// `FloatingLanes`, then its canonical residue) and by a Shoup product (Harvey 2014, Alg. 2)
/// above; then, coefficient by coefficient, the integer sums. v is summed in the same order
/// either way, so it is the same double.
struct CRTLiftTable: Sendable {
    /// Words per prime in `records`: q_i, k_i, k_i' (Shoup), Q/q_i in three words.
    static let recordWords = 6
    let limbs: Int
    let records: [UInt64]
    /// 1/q_i rounded.
    let inverseModuli: [Double]
    /// Q in three words (mod 2^192).
    let modulus: Word192
    let logQ: Double
    /// |f|·Q below this proves |x| < 2^127 (see above); 0 when L·2^−52·Q is too large for any proof.
    let twoWordLimit: Double
    /// Per prime below 2^50 (`FloatingTwiddles.modulusLimit`): q_i, k_i and k_i/q_i as doubles; nil above.
    let floating: [(q: Double, k: Double, kq: Double)?]
    /// Coefficients per block: the y_i of a block stay in the first-level cache.
    static let blockSize = 256

    /// - Parameter prescaleInverse: c^{−1} mod q_i for each prime (1 for canonical rows).
    init(moduli: [Modulus], prescaleInverse: [UInt64]) {
        let values = moduli.map(\.value)
        var records: [UInt64] = []
        for (i, m) in moduli.enumerated() {
            var others = values
            others.remove(at: i)
            let qHat = WideInteger.product(others)
            let k = m.multiply(m.inverse(WideInteger.residue(qHat, modulo: m)), prescaleInverse[i])
            let words = Word192(qHat)
            records += [m.value, k, m.shoup(k), words.w0, words.w1, words.w2]
        }
        self.limbs = moduli.count
        self.records = records
        self.inverseModuli = values.map { 1.0 / Double($0) }
        self.modulus = Word192(WideInteger.product(values))
        self.logQ = values.reduce(0.0) { $0 + log2(Double($1)) }
        self.twoWordLimit = Double(moduli.count) * 0x1p-52 * pow(2, logQ) < 0x1p124 ? 0x1p125 : 0
        self.floating = moduli.indices.map { i in
            let q = moduli[i].value, k = records[i * Self.recordWords + 1]
            return q < FloatingTwiddles.modulusLimit ? (Double(q), Double(k), Double(k) / Double(q)) : nil
        }
    }

    /// out[j] = multiplier · x_{start+j} for j < count, x the centred lift of the residues
    /// rows[i·stride + start + j] (i < limbs; see the type's comment for the prescale).
    func lift(rows: UnsafePointer<UInt64>, stride n: Int, start: Int, count: Int, multiplier: Double,
              into out: UnsafeMutablePointer<Double>) {
        precondition(start % 4 == 0 && n % 4 == 0 && start + count <= n, "the lift reads whole lanes of four")
        records.withUnsafeBufferPointer { recordBuffer in
            inverseModuli.withUnsafeBufferPointer { inverseBuffer in
                let r = recordBuffer.baseAddress!, inv = inverseBuffer.baseAddress!, base = rows + start
                let limbs = self.limbs
                if limbs == 1 {
                    let q = r[0], k = r[1], kShoup = r[2], half = q / 2
                    for j in 0..<count {
                        let x = base[j], p = x &* k &- x.multipliedFullWidth(by: kShoup).high &* q
                        let y = Swift.min(p, p &- q)  // p ∈ [0, 2q): p − q wraps above p exactly when p < q
                        out[j] = (y > half ? -Double(q - y) : Double(y)) * multiplier
                    }
                    return
                }
                let block = Self.blockSize
                withUnsafeTemporaryAllocation(of: UInt64.self, capacity: limbs * block) { yBuffer in
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: block) { vBuffer in
                        let ys = yBuffer.baseAddress!, vs = vBuffer.baseAddress!
                        for first in stride(from: 0, to: count, by: block) {
                            let size = Swift.min(block, count - first)
                            for i in 0..<limbs {
                                fillResidues(i, rows: base + i * n + first, count: size, r: r, inverse: inv[i],
                                             into: ys + i * block, sums: vs, first: i == 0)
                            }
                            combine(ys: ys, block: block, vs: vs, count: size, r: r, multiplier: multiplier, into: out + first)
                        }
                    }
                }
            }
        }
    }

    /// y_i = [x·k_i]_{q_i} for `count` residues x (in [0, 2q_i)) into `ys`, and sums[j] =
    /// (first ? 0 : sums[j]) + y_i/q_i. Below 2^50 four lanes at a time in double precision,
    /// over whole lanes (the rows extend to a multiple of four: N and the starts are).
    @inline(__always)
    private func fillResidues(_ i: Int, rows: UnsafePointer<UInt64>, count: Int, r: UnsafePointer<UInt64>, inverse: Double,
                              into ys: UnsafeMutablePointer<UInt64>, sums: UnsafeMutablePointer<Double>, first: Bool) {
        if let f = floating[i] {
            let lanes = FloatingLanes(q: f.q), k = SIMD4<Double>(repeating: f.k), kq = SIMD4<Double>(repeating: f.kq)
            let inv = SIMD4<Double>(repeating: inverse), offset = SIMD4<Double>(repeating: 0x1p52)
            let magic = SIMD4<UInt64>(repeating: offset[0].bitPattern), mantissa = SIMD4<UInt64>(repeating: (1 << 52) - 1)
            let x = UnsafeRawPointer(rows), y = UnsafeMutableRawPointer(ys), v = UnsafeMutableRawPointer(sums)
            for j in stride(from: 0, to: count, by: 4) {
                let residues = x.loadUnaligned(fromByteOffset: 8 * j, as: SIMD4<UInt64>.self)
                let product = lanes.canonical(lanes.multiply(unsafeBitCast(residues | magic, to: SIMD4<Double>.self) - offset, k, kq))
                y.storeBytes(of: unsafeBitCast(product + offset, to: SIMD4<UInt64>.self) & mantissa, toByteOffset: 8 * j, as: SIMD4<UInt64>.self)
                let term = product * inv
                let sum = first ? term : v.loadUnaligned(fromByteOffset: 8 * j, as: SIMD4<Double>.self) + term
                v.storeBytes(of: sum, toByteOffset: 8 * j, as: SIMD4<Double>.self)
            }
        } else {
            let record = r + i * Self.recordWords, q = record[0], k = record[1], kShoup = record[2]
            for j in 0..<count {
                let x = rows[j]
                let p = x &* k &- x.multipliedFullWidth(by: kShoup).high &* q
                let y = Swift.min(p, p &- q)  // p ∈ [0, 2q): p − q wraps above p exactly when p < q
                ys[j] = y
                let term = Double(Int64(bitPattern: y)) * inverse
                sums[j] = first ? term : sums[j] + term
            }
        }
    }

    /// The integer sums of one block: out[j] = multiplier · (Σ y_i·(Q/q_i) − v·Q) with v =
    /// round(sums[j]), in two words when the fraction proves it enough, else in three.
    @inline(__always)
    private func combine(ys: UnsafePointer<UInt64>, block: Int, vs: UnsafePointer<Double>, count: Int, r: UnsafePointer<UInt64>,
                         multiplier: Double, into out: UnsafeMutablePointer<Double>) {
        let limbs = self.limbs, words = Self.recordWords
        let modulus = self.modulus, modulusValue = pow(2, logQ), twoWordLimit = self.twoWordLimit
        // The sums Σ y_i·(Q/q_i) keep each word's column in its own accumulator (a column
        // of 128 bits for the low words, whose carries L ≤ 2^64 terms cannot overflow) and
        // propagate the carries once per coefficient, not once per prime.
        /// Σ y_i·(Q/q_i) − v·Q in three words.
        @inline(__always) func threeWords(_ j: Int, _ v: UInt64) -> Word192 {
            var c0: UInt128 = 0, c1: UInt128 = 0, c2: UInt64 = 0
            for i in 0..<limbs {
                let y = ys[i * block + j], record = r + i * words
                let p0 = record[3].multipliedFullWidth(by: y), p1 = record[4].multipliedFullWidth(by: y)
                c0 &+= UInt128(p0.low)
                c1 &+= UInt128(p0.high) &+ UInt128(p1.low)
                c2 = c2 &+ p1.high &+ record[5] &* y
            }
            c1 &+= c0 >> 64
            var acc = Word192(w0: UInt64(truncatingIfNeeded: c0), w1: UInt64(truncatingIfNeeded: c1),
                              w2: c2 &+ UInt64(truncatingIfNeeded: c1 >> 64))
            acc.subtract(modulus, times: v)
            return acc
        }
        if twoWordLimit == 0 {
            for j in 0..<count { out[j] = threeWords(j, UInt64(Int64(vs[j].rounded()))).signedDouble * multiplier }
            return
        }
        for j in 0..<count {
            var c0: UInt128 = 0, c1: UInt64 = 0
            for i in 0..<limbs {
                let y = ys[i * block + j], record = r + i * words
                let p = record[3].multipliedFullWidth(by: y)
                c0 &+= UInt128(p.low)
                c1 = c1 &+ p.high &+ record[4] &* y
            }
            let v = vs[j], rounded = v.rounded(), vw = UInt64(Int64(rounded))
            if abs(v - rounded) * modulusValue < twoWordLimit {
                let low = UInt64(truncatingIfNeeded: c0), high = c1 &+ UInt64(truncatingIfNeeded: c0 >> 64)
                let p = modulus.w0.multipliedFullWidth(by: vw)
                let s = low.subtractingReportingOverflow(p.low)
                out[j] = Word192.signedDouble(low: s.partialValue, high: high &- p.high &- modulus.w1 &* vw &- (s.overflow ? 1 : 0)) * multiplier
            } else {
                out[j] = threeWords(j, vw).signedDouble * multiplier
            }
        }
    }
}

extension HEContext {
    /// The centred lift of the first `count` coefficients of `p` (coefficient form, canonical or
    /// lazy residues), as Doubles.
    func liftCentred(_ p: RNSPolynomial, count: Int? = nil) -> [Double] {
        let count = count ?? degree
        guard count > 0 else { return [] }
        return [Double](unsafeUninitializedCapacity: count) { out, initialized in
            p.residues.withUnsafeBufferPointer { rows in
                levelConstants[p.limbCount - 1].lift.lift(rows: rows.baseAddress!, stride: degree, start: 0, count: count,
                                                          multiplier: 1, into: out.baseAddress!)
            }
            initialized = count
        }
    }
}

/// A 192-bit two's-complement accumulator (three little-endian words).
struct Word192: Sendable {
    var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0

    init() {}

    init(w0: UInt64, w1: UInt64, w2: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
    }

    init(_ words: [UInt64]) {
        w0 = words.count > 0 ? words[0] : 0
        w1 = words.count > 1 ? words[1] : 0
        w2 = words.count > 2 ? words[2] : 0
    }

    /// a · y (mod 2^192).
    @inline(__always)
    static func product(_ a: Word192, _ y: UInt64) -> Word192 {
        let p0 = a.w0.multipliedFullWidth(by: y), p1 = a.w1.multipliedFullWidth(by: y)
        let t1 = p0.high.addingReportingOverflow(p1.low)
        return Word192(w0: p0.low, w1: t1.partialValue, w2: p1.high &+ a.w2 &* y &+ (t1.overflow ? 1 : 0))
    }

    /// self += a · y (mod 2^192).
    @inline(__always)
    mutating func add(_ a: Word192, times y: UInt64) {
        let t = Self.product(a, y)
        let s0 = w0.addingReportingOverflow(t.w0)
        let s1a = w1.addingReportingOverflow(t.w1)
        let s1b = s1a.partialValue.addingReportingOverflow(s0.overflow ? 1 : 0)
        w0 = s0.partialValue
        w1 = s1b.partialValue
        w2 = w2 &+ t.w2 &+ (s1a.overflow ? 1 : 0) &+ (s1b.overflow ? 1 : 0)
    }

    /// self −= a · y (mod 2^192).
    @inline(__always)
    mutating func subtract(_ a: Word192, times y: UInt64) {
        let t = Self.product(a, y)
        let s0 = w0.subtractingReportingOverflow(t.w0)
        let s1a = w1.subtractingReportingOverflow(t.w1)
        let s1b = s1a.partialValue.subtractingReportingOverflow(s0.overflow ? 1 : 0)
        w0 = s0.partialValue
        w1 = s1b.partialValue
        w2 = w2 &- t.w2 &- (s1a.overflow ? 1 : 0) &- (s1b.overflow ? 1 : 0)
    }

    /// The signed 128-bit integer high·2^64 + low rounded to Double: the magnitude's words
    /// converted (the high one exactly, below 2^63) and the sign set after, without a branch on
    /// the sign (half the coefficients of a decryption are negative, at random).
    @inline(__always)
    static func signedDouble(low: UInt64, high: UInt64) -> Double {
        let mask = UInt64(bitPattern: Int64(bitPattern: high) >> 63)
        let m0 = (low ^ mask).addingReportingOverflow(mask & 1)
        let m1 = (high ^ mask) &+ (m0.overflow ? 1 : 0)
        let magnitude = Double(Int64(bitPattern: m1)) * 0x1p64 + Double(m0.partialValue)
        return Double(bitPattern: magnitude.bitPattern | (mask & 0x8000_0000_0000_0000))
    }

    /// The value as a signed integer, rounded to Double (the sign applied as in `signedDouble(low:high:)`).
    var signedDouble: Double {
        let mask = UInt64(bitPattern: Int64(bitPattern: w2) >> 63)
        let m0 = (w0 ^ mask).addingReportingOverflow(mask & 1)
        let m1 = (w1 ^ mask).addingReportingOverflow(m0.overflow ? 1 : 0)
        let m2 = (w2 ^ mask) &+ (m1.overflow ? 1 : 0)
        let magnitude = (Double(Int64(bitPattern: m2)) * 0x1p64 + Double(m1.partialValue)) * 0x1p64 + Double(m0.partialValue)
        return Double(bitPattern: magnitude.bitPattern | (mask & 0x8000_0000_0000_0000))
    }
}
