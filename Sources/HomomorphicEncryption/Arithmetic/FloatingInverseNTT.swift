/// The inverse negacyclic NTT in double precision, four lanes at a time, for primes below 2^50.
///
/// The 64-bit butterflies of `NTTTables` need a 64 × 64 → 128-bit high product, which AVX2 and
/// NEON do not have, so they run one lane at a time. Below 2^50 every value of the lazy
/// butterflies (< 4q < 2^52) is an exact double, and the product by a twiddle w modulo q needs
/// only double operations (the floating-point form of Shoup's precomputed quotient, with w/q in
/// place of ⌊w·2^64/q⌋; the error-free product with a fused multiply–add is Dekker's and
/// Ogita–Rump–Oishi's TwoProduct):
///
///     h = x·w (rounded), l = fma(x, w, −h) = x·w − h exactly, t = ⌊x·(w/q)⌋,
///     r = fma(−t, q, h) + l = x·w − t·q, then r + q if r < 0.
///
/// Exactness, for x ∈ [0, 4q), w ∈ [0, q), q < 2^50: x·(w/q) in floating point is the true
/// x·w/q < 4q times (1 + δ) with |δ| ≤ 2^−52 + 2^−106, so it is within q·2^−50·(1 + 2^−54) < 1 of
/// it and t is ⌊x·w/q⌋ + {−1, 0, 1}: the exact x·w − t·q lies in [−q, 2q). fma(−t, q, h) is the
/// integer x·w − t·q − l with |l| ≤ ulp(h)/2 ≤ 2^49, below 2^53 in magnitude, so it is exact, and
/// so is the sum with l. One conditional addition of q gives [0, 2q), the range of Harvey's lazy
/// butterflies (Harvey 2014), so the stages are those of `NTTTables.inverseStages`, value for
/// value: every output equals the integer transform's residue modulo q, and the caller's
/// reduction makes them identical.
struct FloatingTwiddles: Sendable {
    /// The largest modulus the double-precision transform admits.
    static let modulusLimit: UInt64 = 1 << 50
    let q: Double
    /// ψ^{−bitrev(k)} and ψ^{−bitrev(k)}/q, as doubles (the inverse twiddles of `NTTTables`).
    let roots: [Double]
    let quotients: [Double]

    init(inverseRoots: [UInt64], modulus: UInt64) {
        precondition(modulus < Self.modulusLimit)
        q = Double(modulus)
        roots = inverseRoots.map { Double($0) }
        quotients = inverseRoots.map { Double($0) / Double(modulus) }
    }
}

/// The Shoup-like product of `FloatingTwiddles` and the lazy inverse butterfly on four lanes
/// (one AVX2 register). The conditional corrections add q (or 2q) masked by the sign bit of the
/// difference, in integer lanes: no comparison masks, which the compiler lowers lane by lane.
struct FloatingLanes {
    typealias V = SIMD4<Double>
    let q: V, twoQ: V
    private let qBits: SIMD4<UInt64>, twoQBits: SIMD4<UInt64>

    @inline(__always)
    init(q: Double) {
        self.q = V(repeating: q)
        self.twoQ = V(repeating: 2 * q)
        self.qBits = SIMD4(repeating: q.bitPattern)
        self.twoQBits = SIMD4(repeating: (2 * q).bitPattern)
    }

    /// x + c where x < 0, else x (c's bit pattern given), branch-free.
    @inline(__always)
    static func addIfNegative(_ x: V, _ cBits: SIMD4<UInt64>) -> V {
        let negative = SIMD4<UInt64>(repeating: 0) &- (unsafeBitCast(x, to: SIMD4<UInt64>.self) &>> 63)
        return x + unsafeBitCast(cBits & negative, to: V.self)
    }

    /// x·w mod q in [0, 2q) for x ∈ [0, 4q), w ∈ [0, q), wq = w/q rounded.
    @inline(__always)
    func multiply(_ x: V, _ w: V, _ wq: V) -> V {
        let h = x * w
        let l = (-h).addingProduct(x, w)
        let t = (x * wq).rounded(.down)
        return Self.addIfNegative(h.addingProduct(-t, q) + l, qBits)
    }

    /// (u, v) ∈ [0, 2q)² → (u + v reduced to [0, 2q), (u − v + 2q)·w in [0, 2q)).
    @inline(__always)
    func butterfly(_ u: V, _ v: V, _ w: V, _ wq: V) -> (V, V) {
        // u + v − 2q ∈ [−2q, 2q): 2q back where it went negative.
        (Self.addIfNegative(u + v - twoQ, twoQBits), multiply(u - v + twoQ, w, wq))
    }
}

extension NTTTables {
    /// The residues in [0, 2q) < 2^51 converted to doubles in place, transformed by
    /// `inverseUnscaledFloating` and converted back, each conversion exact through the
    /// bit pattern of x + 2^52 (whose 52 mantissa bits are x).
    func inverseUnscaledThroughDoubles(_ values: UnsafeMutablePointer<UInt64>) {
        let n = degree, raw = UnsafeMutableRawPointer(values)
        let magic = SIMD4<UInt64>(repeating: (0x1p52 as Double).bitPattern), offset = SIMD4<Double>(repeating: 0x1p52)
        let mantissa = SIMD4<UInt64>(repeating: (1 << 52) - 1)
        for k in stride(from: 0, to: n, by: 4) {
            let x = raw.loadUnaligned(fromByteOffset: 8 * k, as: SIMD4<UInt64>.self)
            raw.storeBytes(of: unsafeBitCast(x | magic, to: SIMD4<Double>.self) - offset, toByteOffset: 8 * k, as: SIMD4<Double>.self)
        }
        values.withMemoryRebound(to: Double.self, capacity: n) { inverseUnscaledFloating($0) }
        for k in stride(from: 0, to: n, by: 4) {
            let x = raw.loadUnaligned(fromByteOffset: 8 * k, as: SIMD4<Double>.self)
            raw.storeBytes(of: unsafeBitCast(x + offset, to: SIMD4<UInt64>.self) & mantissa, toByteOffset: 8 * k, as: SIMD4<UInt64>.self)
        }
    }

    /// N times the inverse transform (as `inverseUnscaled`) of integer-valued doubles in
    /// [0, 2q), output in [0, 2q); only for a table with `floating` twiddles (q < 2^50).
    func inverseUnscaledFloating(_ values: UnsafeMutablePointer<Double>) {
        guard let floating else { preconditionFailure("no double-precision twiddles for q ≥ 2^50") }
        let n = degree, half = n >> 1
        precondition(n >= 16, "the four-lane transform needs N ≥ 16")
        let lanes = FloatingLanes(q: floating.q)
        let raw = UnsafeMutableRawPointer(values)
        @inline(__always) func load(_ k: Int) -> SIMD4<Double> { raw.loadUnaligned(fromByteOffset: 8 * k, as: SIMD4<Double>.self) }
        @inline(__always) func store(_ x: SIMD4<Double>, _ k: Int) { raw.storeBytes(of: x, toByteOffset: 8 * k, as: SIMD4<Double>.self) }
        floating.roots.withUnsafeBufferPointer { rootsBuffer in
            floating.quotients.withUnsafeBufferPointer { quotientBuffer in
                let w = UnsafeRawPointer(rootsBuffer.baseAddress!), wq = UnsafeRawPointer(quotientBuffer.baseAddress!)
                @inline(__always) func twiddles(_ k: Int) -> (SIMD4<Double>, SIMD4<Double>) {
                    (w.loadUnaligned(fromByteOffset: 8 * k, as: SIMD4<Double>.self),
                     wq.loadUnaligned(fromByteOffset: 8 * k, as: SIMD4<Double>.self))
                }
                // t = 1: pairs (2i, 2i + 1) with twiddle half + i; four pairs from eight values.
                for i in stride(from: 0, to: half, by: 4) {
                    let a = load(2 * i), b = load(2 * i + 4)
                    let (r, rq) = twiddles(half + i)
                    let (x, y) = lanes.butterfly(SIMD4(a[0], a[2], b[0], b[2]), SIMD4(a[1], a[3], b[1], b[3]), r, rq)
                    store(SIMD4(x[0], y[0], x[1], y[1]), 2 * i)
                    store(SIMD4(x[2], y[2], x[3], y[3]), 2 * i + 4)
                }
                // t = 2: groups (4i, 4i + 1 | 4i + 2, 4i + 3) with twiddle N/4 + i; two groups from eight values.
                let quarter = n >> 2
                for i in stride(from: 0, to: quarter, by: 2) {
                    let a = load(4 * i), b = load(4 * i + 4)
                    let (r0, rq0) = (floating.roots[quarter + i], floating.quotients[quarter + i])
                    let (r1, rq1) = (floating.roots[quarter + i + 1], floating.quotients[quarter + i + 1])
                    let (x, y) = lanes.butterfly(SIMD4(a[0], a[1], b[0], b[1]), SIMD4(a[2], a[3], b[2], b[3]),
                                                 SIMD4(r0, r0, r1, r1), SIMD4(rq0, rq0, rq1, rq1))
                    store(SIMD4(x[0], x[1], y[0], y[1]), 4 * i)
                    store(SIMD4(x[2], x[3], y[2], y[3]), 4 * i + 4)
                }
                // t ≥ 4, through the last stage (m = 2, one twiddle).
                var t = 4, m = quarter
                while m >= 2 {
                    let h = m >> 1
                    for i in 0..<h {
                        let r = SIMD4<Double>(repeating: floating.roots[h + i]), rq = SIMD4<Double>(repeating: floating.quotients[h + i])
                        let x = 2 * i * t
                        for j in stride(from: x, to: x + t, by: 4) {
                            let (a, b) = lanes.butterfly(load(j), load(j + t), r, rq)
                            store(a, j)
                            store(b, j + t)
                        }
                    }
                    t <<= 1
                    m = h
                }
            }
        }
    }
}
