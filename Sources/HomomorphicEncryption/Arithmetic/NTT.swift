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

    /// In-place inverse negacyclic NTT (input in [0, q), bit-reversed order); output in [0, q).
    @inlinable
    public func inverse(_ values: UnsafeMutablePointer<UInt64>) {
        let q = modulus.value, twoQ = 2 &* q, n = degree
        inverseRoots.withUnsafeBufferPointer { rootsBuffer in
            inverseRootsShoup.withUnsafeBufferPointer { shoupBuffer in
                let w = rootsBuffer.baseAddress!, ws = shoupBuffer.baseAddress!
                var t = 1, m = n
                while m > 1 {
                    let h = m >> 1
                    for i in 0..<h {
                        let root = w[h + i], rootShoup = ws[h + i]
                        let x = values + 2 * i * t, y = x + t
                        for j in 0..<t {
                            let u = x[j], v = y[j]
                            var s = u &+ v
                            if s >= twoQ { s &-= twoQ }
                            x[j] = s
                            y[j] = modulus.multiplyShoupLazy(u &- v &+ twoQ, root, rootShoup)
                        }
                    }
                    t <<= 1
                    m = h
                }
            }
        }
        let inv = inverseDegree, invShoup = inverseDegreeShoup
        for j in 0..<n {
            values[j] = modulus.multiplyShoup(values[j], inv, invShoup)
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
