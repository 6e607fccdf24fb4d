/// Precomputed tables for the negacyclic number-theoretic transform of degree N modulo one prime.
///
/// The forward transform evaluates a polynomial of Z_q[X]/(X^N + 1) at the odd powers of a
/// primitive 2N-th root ψ, merging the ψ-twist into the butterflies (Longa & Naehrig 2016,
/// Alg. 1 and 2: Cooley–Tukey forward with bit-reversed powers of ψ, Gentleman–Sande inverse).
/// Butterflies are Harvey's lazy ones (Harvey 2014, Alg. 4): values stay in [0, 4q) between
/// stages and only the last pass reduces to [0, q), and every twiddle has its Shoup companion.
public final class NTTTables: Sendable {
    public let modulus: Modulus
    public let degree: Int
    /// ψ, the primitive 2N-th root used.
    public let psi: UInt64
    /// ψ^{bitrev(k)} and Shoup companions.
    @usableFromInline let roots: [UInt64]
    @usableFromInline let rootsShoup: [UInt64]
    /// ψ^{−bitrev(k)} and Shoup companions.
    @usableFromInline let inverseRoots: [UInt64]
    @usableFromInline let inverseRootsShoup: [UInt64]
    @usableFromInline let inverseDegree: UInt64
    @usableFromInline let inverseDegreeShoup: UInt64
    /// ψ^{−bitrev(1)}·N^{−1}, the last inverse stage's twiddle with the scaling folded in, and its companion.
    @usableFromInline let inverseLastRootScaled: UInt64
    @usableFromInline let inverseLastRootScaledShoup: UInt64
    /// The inverse twiddles as doubles, for q < 2^50 (`inverseUnscaledFloating`); nil above.
    let floating: FloatingTwiddles?

    /// - Parameters:
    ///   - degree: N, a power of two ≥ 2.
    ///   - modulus: a prime q ≡ 1 (mod 2N), q < 2^62.
    public init(degree: Int, modulus: Modulus) {
        precondition(degree >= 2 && degree & (degree - 1) == 0, "N must be a power of two")
        self.degree = degree
        self.modulus = modulus
        let psi = PrimeGenerator.minimalPrimitiveRoot(order: UInt64(2 * degree), modulus: modulus)
        self.psi = psi
        let psiInverse = modulus.inverse(psi)
        let logN = degree.trailingZeroBitCount
        var roots = [UInt64](repeating: 0, count: degree)
        var inverseRoots = [UInt64](repeating: 0, count: degree)
        var power: UInt64 = 1, inversePower: UInt64 = 1
        for k in 0..<degree {
            let r = NTTTables.bitReverse(k, bits: logN)
            roots[r] = power
            inverseRoots[r] = inversePower
            power = modulus.multiply(power, psi)
            inversePower = modulus.multiply(inversePower, psiInverse)
        }
        self.roots = roots
        self.rootsShoup = roots.map { modulus.shoup($0) }
        self.inverseRoots = inverseRoots
        self.inverseRootsShoup = inverseRoots.map { modulus.shoup($0) }
        self.inverseDegree = modulus.inverse(UInt64(degree))
        self.inverseDegreeShoup = modulus.shoup(inverseDegree)
        self.inverseLastRootScaled = modulus.multiply(inverseRoots[1], inverseDegree)
        self.inverseLastRootScaledShoup = modulus.shoup(inverseLastRootScaled)
        self.floating = modulus.value < FloatingTwiddles.modulusLimit && degree >= 16
            ? FloatingTwiddles(inverseRoots: inverseRoots, modulus: modulus, inverseDegree: inverseDegree,
                               lastRootScaled: inverseLastRootScaled) : nil
    }

    /// Reverses the low `bits` bits of k.
    public static func bitReverse(_ k: Int, bits: Int) -> Int {
        var r = 0, k = k
        for _ in 0..<bits { r = (r << 1) | (k & 1); k >>= 1 }
        return r
    }

    /// In-place forward negacyclic NTT of `values` (N entries in [0, q)); output in [0, q), bit-reversed order.
    @inlinable
    public func forward(_ values: UnsafeMutablePointer<UInt64>) {
        let q = modulus.value, twoQ = 2 &* q, n = degree
        roots.withUnsafeBufferPointer { rootsBuffer in
            rootsShoup.withUnsafeBufferPointer { shoupBuffer in
                let w = rootsBuffer.baseAddress!, ws = shoupBuffer.baseAddress!
                var t = n, m = 1
                while m < n {
                    t >>= 1
                    for i in 0..<m {
                        let root = w[m + i], rootShoup = ws[m + i]
                        let x = values + 2 * i * t, y = x + t
                        for j in 0..<t {
                            var u = x[j]
                            if u >= twoQ { u &-= twoQ }
                            let v = modulus.multiplyShoupLazy(y[j], root, rootShoup)
                            x[j] = u &+ v
                            y[j] = u &- v &+ twoQ
                        }
                    }
                    m <<= 1
                }
            }
        }
        for j in 0..<n {
            var u = values[j]
            if u >= twoQ { u &-= twoQ }
            if u >= q { u &-= q }
            values[j] = u
        }
    }

    /// In-place inverse negacyclic NTT (input in [0, 2q), bit-reversed order); output in [0, q).
    /// The last stage is merged with the scaling by N^{−1}: its two outputs are multiplied by
    /// N^{−1} and by ψ^{−1}·N^{−1} (one precomputed constant), so no separate pass over the values.
    /// Below 2^50 it runs in double precision, four lanes at a time (`inverseFloating`), with
    /// the same canonical outputs.
    public func inverse(_ values: UnsafeMutablePointer<UInt64>) {
        if floating == nil { inverseInteger(values) } else { inverseThroughDoubles(values, scaled: true) }
    }

    /// `inverse` with the 64-bit integer butterflies, for any q.
    @inlinable
    public func inverseInteger(_ values: UnsafeMutablePointer<UInt64>) {
        inverseStages(values, scaled: true)
    }

    /// N times the inverse transform, lazily reduced: input in [0, 2q) (bit-reversed order),
    /// output ≡ N·a in [0, 2q). For a caller that folds N^{−1} into a constant it multiplies by
    /// anyway (the CRT lift of decryption, `HEContext.withDecryptedRows`), which saves the
    /// scaling and the final reduction (Harvey 2014, section 4: the output of the lazy
    /// butterflies needs one conditional subtraction only where a canonical residue is read).
    /// Below 2^50 it runs in double precision, four lanes at a time (`inverseFloating`); the
    /// outputs are then other representatives of the same residues, also in [0, 2q).
    public func inverseUnscaled(_ values: UnsafeMutablePointer<UInt64>) {
        if floating == nil { inverseUnscaledInteger(values) } else { inverseThroughDoubles(values, scaled: false) }
    }

    /// `inverseUnscaled` with the 64-bit integer butterflies, for any q.
    @inlinable
    public func inverseUnscaledInteger(_ values: UnsafeMutablePointer<UInt64>) {
        inverseStages(values, scaled: false)
    }

    /// The Gentleman–Sande stages of the inverse transform with Harvey's lazy butterfly
    /// (Harvey 2014, Alg. 3 inverted; Longa & Naehrig 2016, Alg. 2): x, y ∈ [0, 2q) become
    /// x + y reduced to [0, 2q) and (x − y + 2q)·w by a lazy Shoup product, also in [0, 2q).
    /// The first stage (adjacent pairs, one twiddle per pair) has a loop of its own, so the
    /// inner loop of length 1 costs no loop overhead.
    @inlinable @inline(__always)
    func inverseStages(_ values: UnsafeMutablePointer<UInt64>, scaled: Bool) {
        let q = modulus.value, twoQ = 2 &* q, n = degree, half = n >> 1
        let modulus = self.modulus
        @inline(__always) func butterfly(_ x: UnsafeMutablePointer<UInt64>, _ y: UnsafeMutablePointer<UInt64>, _ root: UInt64, _ rootShoup: UInt64) {
            let u = x.pointee, v = y.pointee
            let s = u &+ v
            x.pointee = Swift.min(s, s &- twoQ)  // s ∈ [0, 4q): s − 2q wraps above s exactly when s < 2q
            y.pointee = modulus.multiplyShoupLazy(u &- v &+ twoQ, root, rootShoup)
        }
        inverseRoots.withUnsafeBufferPointer { rootsBuffer in
            inverseRootsShoup.withUnsafeBufferPointer { shoupBuffer in
                let w = rootsBuffer.baseAddress!, ws = shoupBuffer.baseAddress!
                var t = 1, m = n
                if m > 2 {
                    for i in 0..<half { butterfly(values + 2 * i, values + 2 * i + 1, w[half + i], ws[half + i]) }
                    t = 2
                    m = half
                }
                while m > 2 {
                    let h = m >> 1
                    for i in 0..<h {
                        let root = w[h + i], rootShoup = ws[h + i]
                        let x = values + 2 * i * t, y = x + t
                        for j in 0..<t { butterfly(x + j, y + j, root, rootShoup) }
                    }
                    t <<= 1
                    m = h
                }
                // The last stage: one twiddle, halves of length N/2.
                let x = values, y = values + half
                if scaled {
                    let inv = inverseDegree, invShoup = inverseDegreeShoup
                    let last = inverseLastRootScaled, lastShoup = inverseLastRootScaledShoup
                    for j in 0..<half {
                        let u = x[j], v = y[j]
                        x[j] = modulus.multiplyShoup(u &+ v, inv, invShoup)
                        y[j] = modulus.multiplyShoup(u &- v &+ twoQ, last, lastShoup)
                    }
                } else {
                    let root = w[1], rootShoup = ws[1]
                    for j in 0..<half { butterfly(x + j, y + j, root, rootShoup) }
                }
            }
        }
    }

    /// Forward transform of an array (convenience for tests and setup code).
    public func forward(_ values: inout [UInt64]) {
        precondition(values.count == degree)
        values.withUnsafeMutableBufferPointer { forward($0.baseAddress!) }
    }

    /// Inverse transform of an array (convenience for tests and setup code).
    public func inverse(_ values: inout [UInt64]) {
        precondition(values.count == degree)
        values.withUnsafeMutableBufferPointer { inverse($0.baseAddress!) }
    }
}
