/// The inverse negacyclic NTT in double precision, four lanes at a time, for primes below 2^50.
///
/// The 64-bit butterflies of `NTTTables` need a 64 × 64 → 128-bit high product, which AVX2 and
/// NEON do not have, so they run one lane at a time. Below 2^50 the values can be kept as exact
/// doubles, signed, and the product by a twiddle w modulo q needs only double operations: the
/// floating-point form of Shoup's precomputed quotient, with w/q in place of ⌊w·2^64/q⌋, and
/// the error-free product by a fused multiply–add (Dekker's TwoProduct; Ogita, Rump, Oishi 2005):
///
///     h = x·w (rounded), l = fma(x, w, −h) = x·w − h exactly, t = round(x·(w/q)),
///     r = fma(−t, q, h) + l = x·w − t·q.
///
/// Exactness, for |x| < 2^51 and 0 ≤ w < q < 2^50: x·(w/q) in floating point is the true
/// x·w/q (below 2^51 in magnitude) times (1 + δ) with |δ| ≤ 2^−52 + 2^−106, within
/// 0.5·(1 + 2^−53) of it, so t is within 1 + 2^−54 of x·w/q and the integer r has |r| ≤ q.
/// fma(−t, q, h) is the integer r − l with |l| ≤ ulp(h)/2 ≤ 2^47, below 2^53, so it is exact, and
/// so is the sum with l. The sums of the butterflies grow by one bit a stage; a stage folds them
/// back (`centred`: x − round(x/q)·q, exact, within q/2 + ε of 0) only when the next stage's
/// differences could reach 2^51, which for 40-bit primes is once before the last stage (Harvey's
/// lazy reduction, Harvey 2014, carried over to signed doubles) and for 50-bit ones every stage.
/// Every output is congruent modulo q to the integer transform's, and the final conversion
/// makes them canonical (scaled) or puts them in [0, 2q) (unscaled).
struct FloatingTwiddles: Sendable {
    /// The largest modulus the double-precision transform admits.
    static let modulusLimit: UInt64 = 1 << 50
    let q: Double
    /// ψ^{−bitrev(k)} and ψ^{−bitrev(k)}/q, as doubles (the inverse twiddles of `NTTTables`).
    let roots: [Double]
    let quotients: [Double]
    /// The second stage's twiddles ψ^{−bitrev(N/4 + i)} twice each (i < N/4), so that one load
    /// gives the four lanes of two butterfly groups; and their quotients.
    let pairedRoots: [Double]
    let pairedQuotients: [Double]
    /// N^{−1} and ψ^{−bitrev(1)}·N^{−1} with their quotients: the scaled last stage.
    let inverseDegree: (Double, Double), lastRootScaled: (Double, Double)

    init(inverseRoots: [UInt64], modulus: Modulus, inverseDegree: UInt64, lastRootScaled: UInt64) {
        precondition(modulus.value < Self.modulusLimit && inverseRoots.count >= 16)
        let q = Double(modulus.value)
        self.q = q
        roots = inverseRoots.map { Double($0) }
        quotients = inverseRoots.map { Double($0) / q }
        let quarter = inverseRoots.count / 4
        pairedRoots = (0..<2 * quarter).map { Double(inverseRoots[quarter + $0 / 2]) }
        pairedQuotients = pairedRoots.map { $0 / q }
        self.inverseDegree = (Double(inverseDegree), Double(inverseDegree) / q)
        self.lastRootScaled = (Double(lastRootScaled), Double(lastRootScaled) / q)
    }
}

/// The double-precision product by a twiddle, the centred reduction and the butterfly on four
/// lanes (one AVX2 register).
struct FloatingLanes {
    typealias V = SIMD4<Double>
    let q: V, inverse: V
    private let qBits: SIMD4<UInt64>

    @inline(__always)
    init(q: Double) {
        self.q = V(repeating: q)
        self.inverse = V(repeating: 1 / q)
        self.qBits = SIMD4(repeating: q.bitPattern)
    }

    /// x·w − t·q ≡ x·w (mod q) with |result| ≤ q, for |x| < 2^51, w ∈ [0, q), wq = w/q rounded.
    @inline(__always)
    func multiply(_ x: V, _ w: V, _ wq: V) -> V {
        let h = x * w
        let l = (-h).addingProduct(x, w)
        let t = (x * wq).rounded(.toNearestOrEven)
        return h.addingProduct(-t, q) + l
    }

    /// x − round(x/q)·q ∈ (−q, q) for integer-valued |x| < 2^52 (exact: the fused product is an
    /// integer below q in magnitude).
    @inline(__always)
    func centred(_ x: V) -> V { x.addingProduct(-(x * inverse).rounded(.toNearestOrEven), q) }

    /// The canonical residue in [0, q) of integer-valued |x| < 2^52: centred, then q added to
    /// the negative lanes (masked by the sign bit, in integer lanes: comparison masks are
    /// lowered lane by lane).
    @inline(__always)
    func canonical(_ x: V) -> V {
        let c = centred(x)
        let negative = SIMD4<UInt64>(repeating: 0) &- (unsafeBitCast(c, to: SIMD4<UInt64>.self) &>> 63)
        return c + unsafeBitCast(qBits & negative, to: V.self)
    }

    /// (u, v) → (u + v, (u − v)·w), the sum folded by `centred` when `fold`.
    @inline(__always)
    func butterfly(_ u: V, _ v: V, _ w: V, _ wq: V, fold: Bool) -> (V, V) {
        let s = u + v
        return (fold ? centred(s) : s, multiply(u - v, w, wq))
    }
}

extension NTTTables {
    /// `inverse` (scaled, output canonical in [0, q)) or `inverseUnscaled` (output in [0, 2q))
    /// through doubles: the residues in [0, 2q), below 2^51, converted in place to signed doubles
    /// in [−q, q), transformed by `inverseFloating`, and converted back, each conversion exact
    /// through the bit pattern of x + 2^52 (whose 52 mantissa bits are x, for 0 ≤ x < 2^52).
    func inverseThroughDoubles(_ values: UnsafeMutablePointer<UInt64>, scaled: Bool) {
        let n = degree, raw = UnsafeMutableRawPointer(values)
        let magic = SIMD4<UInt64>(repeating: (0x1p52 as Double).bitPattern), offset = SIMD4<Double>(repeating: 0x1p52)
        let mantissa = SIMD4<UInt64>(repeating: (1 << 52) - 1), q = Double(modulus.value)
        let shifted = SIMD4<Double>(repeating: 0x1p52 + q)
        for k in stride(from: 0, to: n, by: 4) {
            let x = raw.loadUnaligned(fromByteOffset: 8 * k, as: SIMD4<UInt64>.self)
            raw.storeBytes(of: unsafeBitCast(x | magic, to: SIMD4<Double>.self) - shifted, toByteOffset: 8 * k, as: SIMD4<Double>.self)
        }
        values.withMemoryRebound(to: Double.self, capacity: n) { inverseFloating($0, scaled: scaled) }
        for k in stride(from: 0, to: n, by: 4) {
            let x = raw.loadUnaligned(fromByteOffset: 8 * k, as: SIMD4<Double>.self)
            raw.storeBytes(of: unsafeBitCast(x + offset, to: SIMD4<UInt64>.self) & mantissa, toByteOffset: 8 * k, as: SIMD4<UInt64>.self)
        }
    }

    /// The inverse transform of integer-valued doubles in [−q, q): N times it in [0, 2q)
    /// (`scaled` false), or the transform itself in [0, q), with the last stage merged with N^{−1}
    /// as in `inverseStages`. Only for a table with `floating` twiddles (q < 2^50).
    func inverseFloating(_ values: UnsafeMutablePointer<Double>, scaled: Bool) {
        guard let floating else { preconditionFailure("no double-precision twiddles for q ≥ 2^50") }
        let n = degree, half = n >> 1, quarter = n >> 2
        let lanes = FloatingLanes(q: floating.q)
        let raw = UnsafeMutableRawPointer(values)
        typealias V4 = SIMD4<Double>
        @inline(__always) func load(_ k: Int) -> V4 { raw.loadUnaligned(fromByteOffset: 8 * k, as: V4.self) }
        @inline(__always) func store(_ x: V4, _ k: Int) { raw.storeBytes(of: x, toByteOffset: 8 * k, as: V4.self) }
        @inline(__always) func load(_ p: UnsafePointer<Double>, _ k: Int) -> V4 { UnsafeRawPointer(p + k).loadUnaligned(as: V4.self) }
        // |values| ≤ bound·q before each stage; a stage is valid while 2·bound·q < 2^51 (its
        // differences are the products' inputs), and folds its sums when the next would not be.
        var bound = 1.0
        @inline(__always) func nextStageFolds() -> Bool {
            let fold = 4 * bound * floating.q >= 0x1p51
            bound = fold ? 1 : 2 * bound
            return fold
        }
        floating.roots.withUnsafeBufferPointer { rootsBuffer in
            floating.quotients.withUnsafeBufferPointer { quotientBuffer in
                let w = rootsBuffer.baseAddress!, wq = quotientBuffer.baseAddress!
                // t = 1: pairs (2i, 2i + 1) with twiddle N/2 + i; four pairs from eight values,
                // split into even and odd lanes.
                @inline(__always) func firstStage(fold: Bool) {
                    for i in stride(from: 0, to: half, by: 4) {
                        let a = SIMD8<Double>(lowHalf: load(2 * i), highHalf: load(2 * i + 4))
                        let (x, y) = lanes.butterfly(a.evenHalf, a.oddHalf, load(w, half + i), load(wq, half + i), fold: fold)
                        var b = SIMD8<Double>()
                        b.evenHalf = x
                        b.oddHalf = y
                        store(b.lowHalf, 2 * i)
                        store(b.highHalf, 2 * i + 4)
                    }
                }
                if nextStageFolds() { firstStage(fold: true) } else { firstStage(fold: false) }
                // t = 2: groups (4i, 4i + 1 | 4i + 2, 4i + 3) with twiddle N/4 + i; two groups
                // from eight values, halves exchanged.
                floating.pairedRoots.withUnsafeBufferPointer { pairedBuffer in
                    floating.pairedQuotients.withUnsafeBufferPointer { pairedQuotientBuffer in
                        let pw = pairedBuffer.baseAddress!, pwq = pairedQuotientBuffer.baseAddress!
                        @inline(__always) func secondStage(fold: Bool) {
                            for i in stride(from: 0, to: quarter, by: 2) {
                                let a = load(4 * i), b = load(4 * i + 4)
                                let (x, y) = lanes.butterfly(V4(lowHalf: a.lowHalf, highHalf: b.lowHalf), V4(lowHalf: a.highHalf, highHalf: b.highHalf),
                                                             load(pw, 2 * i), load(pwq, 2 * i), fold: fold)
                                store(V4(lowHalf: x.lowHalf, highHalf: y.lowHalf), 4 * i)
                                store(V4(lowHalf: x.highHalf, highHalf: y.highHalf), 4 * i + 4)
                            }
                        }
                        if nextStageFolds() { secondStage(fold: true) } else { secondStage(fold: false) }
                    }
                }
                // t ≥ 4 up to the last stage.
                var t = 4, m = quarter
                while m > 2 {
                    let h = m >> 1
                    @inline(__always) func stage(fold: Bool) {
                        for i in 0..<h {
                            let r = V4(repeating: w[h + i]), rq = V4(repeating: wq[h + i])
                            let x = 2 * i * t
                            for j in stride(from: x, to: x + t, by: 4) {
                                let (a, b) = lanes.butterfly(load(j), load(j + t), r, rq, fold: fold)
                                store(a, j)
                                store(b, j + t)
                            }
                        }
                    }
                    if nextStageFolds() { stage(fold: true) } else { stage(fold: false) }
                    t <<= 1
                    m = h
                }
                // The last stage (t = N/2, one twiddle), with N^{−1} merged in when scaled; the
                // outputs made canonical, or centred and lifted by q into (0, 2q).
                if scaled {
                    let (d, dq) = (V4(repeating: floating.inverseDegree.0), V4(repeating: floating.inverseDegree.1))
                    let (l, lq) = (V4(repeating: floating.lastRootScaled.0), V4(repeating: floating.lastRootScaled.1))
                    for j in stride(from: 0, to: half, by: 4) {
                        let u = load(j), v = load(j + half)
                        store(lanes.canonical(lanes.multiply(u + v, d, dq)), j)
                        store(lanes.canonical(lanes.multiply(u - v, l, lq)), j + half)
                    }
                } else {
                    let r = V4(repeating: w[1]), rq = V4(repeating: wq[1])
                    for j in stride(from: 0, to: half, by: 4) {
                        let (a, b) = lanes.butterfly(load(j), load(j + half), r, rq, fold: true)
                        store(a + lanes.q, j)
                        store(lanes.centred(b) + lanes.q, j + half)
                    }
                }
            }
        }
    }
}
