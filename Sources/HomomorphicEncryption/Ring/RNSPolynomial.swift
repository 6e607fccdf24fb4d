/// A polynomial of Z_Q[X]/(X^N + 1) in residue-number-system form: one row of N residues per
/// prime q_0 … q_{ℓ}, stored limb-major in one contiguous array. Ciphertexts keep their
/// polynomials in NTT (evaluation) form, where products are pointwise.
public struct RNSPolynomial: Sendable, Equatable {
    public let degree: Int
    public private(set) var limbCount: Int
    /// limbCount × degree residues; row i is reduced modulo q_i.
    public var residues: [UInt64]
    /// Whether the rows hold NTT evaluations (true) or coefficients (false).
    public var isNTTForm: Bool

    /// The zero polynomial.
    public init(degree: Int, limbCount: Int, isNTTForm: Bool) {
        self.degree = degree
        self.limbCount = limbCount
        self.residues = [UInt64](repeating: 0, count: degree * limbCount)
        self.isNTTForm = isNTTForm
    }

    /// A polynomial whose residues the caller overwrites entirely before reading (skips zeroing).
    init(uninitializedDegree degree: Int, limbCount: Int, isNTTForm: Bool) {
        self.degree = degree
        self.limbCount = limbCount
        self.residues = [UInt64](unsafeUninitializedCapacity: degree * limbCount) { _, count in count = degree * limbCount }
        self.isNTTForm = isNTTForm
    }

    init(degree: Int, limbCount: Int, residues: [UInt64], isNTTForm: Bool) {
        precondition(residues.count == degree * limbCount)
        self.degree = degree
        self.limbCount = limbCount
        self.residues = residues
        self.isNTTForm = isNTTForm
    }

    /// Keeps the first `count` limbs (modulus switching by dropping primes; for a polynomial
    /// whose centred coefficients are below q_0/2 it leaves the value unchanged).
    public mutating func dropLimbs(keeping count: Int) {
        precondition(count >= 1 && count <= limbCount)
        residues.removeLast((limbCount - count) * degree)
        limbCount = count
    }

    /// Runs `body` with a pointer to the residues of limb i.
    @inlinable
    public mutating func withLimb<R>(_ i: Int, _ body: (UnsafeMutablePointer<UInt64>) throws -> R) rethrows -> R {
        let n = degree
        return try residues.withUnsafeMutableBufferPointer { try body($0.baseAddress! + i * n) }
    }
}

/// Ring arithmetic on `RNSPolynomial`s of one context. Every operation works row by row on
/// unsafe buffers with one check of the shapes up front.
extension HEContext {
    /// Forward NTT of every limb.
    public func forwardNTT(_ p: inout RNSPolynomial) {
        precondition(!p.isNTTForm, "already in NTT form")
        let n = degree
        p.residues.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<p.limbCount { nttTables[i].forward(buffer.baseAddress! + i * n) }
        }
        p.isNTTForm = true
    }

    /// Inverse NTT of every limb.
    public func inverseNTT(_ p: inout RNSPolynomial) {
        precondition(p.isNTTForm, "not in NTT form")
        let n = degree
        p.residues.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<p.limbCount { nttTables[i].inverse(buffer.baseAddress! + i * n) }
        }
        p.isNTTForm = false
    }

    /// a += b.
    public func add(_ a: inout RNSPolynomial, _ b: RNSPolynomial) {
        Self.checkShapes(a, b)
        let n = degree
        a.residues.withUnsafeMutableBufferPointer { ab in
            b.residues.withUnsafeBufferPointer { bb in
                for i in 0..<a.limbCount {
                    let q = moduli[i].value
                    let x = ab.baseAddress! + i * n, y = bb.baseAddress! + i * n
                    for j in 0..<n {
                        let s = x[j] &+ y[j]
                        x[j] = s >= q ? s &- q : s
                    }
                }
            }
        }
    }

    /// a −= b.
    public func subtract(_ a: inout RNSPolynomial, _ b: RNSPolynomial) {
        Self.checkShapes(a, b)
        let n = degree
        a.residues.withUnsafeMutableBufferPointer { ab in
            b.residues.withUnsafeBufferPointer { bb in
                for i in 0..<a.limbCount {
                    let q = moduli[i].value
                    let x = ab.baseAddress! + i * n, y = bb.baseAddress! + i * n
                    for j in 0..<n {
                        let u = x[j], v = y[j]
                        x[j] = u >= v ? u &- v : u &+ q &- v
                    }
                }
            }
        }
    }

    /// a = −a.
    public func negate(_ a: inout RNSPolynomial) {
        let n = degree
        a.residues.withUnsafeMutableBufferPointer { ab in
            for i in 0..<a.limbCount {
                let q = moduli[i].value
                let x = ab.baseAddress! + i * n
                for j in 0..<n { x[j] = x[j] == 0 ? 0 : q &- x[j] }
            }
        }
    }

    /// a = a ⊙ b (pointwise; the negacyclic product when both are in NTT form).
    public func multiply(_ a: inout RNSPolynomial, _ b: RNSPolynomial) {
        Self.checkShapes(a, b)
        precondition(a.isNTTForm, "pointwise products need NTT form")
        let n = degree
        a.residues.withUnsafeMutableBufferPointer { ab in
            b.residues.withUnsafeBufferPointer { bb in
                for i in 0..<a.limbCount {
                    let m = moduli[i]
                    let x = ab.baseAddress! + i * n, y = bb.baseAddress! + i * n
                    for j in 0..<n { x[j] = m.multiply(x[j], y[j]) }
                }
            }
        }
    }

    /// acc += a ⊙ b over the limbs of `acc` (a and b may carry more limbs).
    public func multiplyAdd(_ acc: inout RNSPolynomial, _ a: RNSPolynomial, _ b: RNSPolynomial) {
        precondition(a.limbCount >= acc.limbCount && b.limbCount >= acc.limbCount && a.isNTTForm && b.isNTTForm && acc.isNTTForm)
        let n = degree
        acc.residues.withUnsafeMutableBufferPointer { cb in
            a.residues.withUnsafeBufferPointer { ab in
                b.residues.withUnsafeBufferPointer { bb in
                    for i in 0..<acc.limbCount {
                        let m = moduli[i]
                        let z = cb.baseAddress! + i * n, x = ab.baseAddress! + i * n, y = bb.baseAddress! + i * n
                        for j in 0..<n { z[j] = m.add(z[j], m.multiply(x[j], y[j])) }
                    }
                }
            }
        }
    }

    /// a = a · c_i on limb i, for one constant residue per limb (c_i < q_i).
    public func multiply(_ a: inout RNSPolynomial, byResidues c: [UInt64]) {
        precondition(c.count >= a.limbCount)
        let n = degree
        a.residues.withUnsafeMutableBufferPointer { ab in
            for i in 0..<a.limbCount {
                let m = moduli[i], w = c[i], ws = m.shoup(c[i])
                let x = ab.baseAddress! + i * n
                for j in 0..<n { x[j] = m.multiplyShoup(x[j], w, ws) }
            }
        }
    }

    /// A polynomial with the given signed coefficients (|c| < 2^63) in every limb, coefficient form.
    public func polynomial(signedCoefficients c: [Int64], limbCount: Int) -> RNSPolynomial {
        precondition(c.count == degree)
        var p = RNSPolynomial(degree: degree, limbCount: limbCount, isNTTForm: false)
        c.withUnsafeBufferPointer { setSigned(&p, $0.baseAddress!) }
        return p
    }

    /// Writes signed coefficients into every limb of `p` (coefficient form).
    func setSigned(_ p: inout RNSPolynomial, _ c: UnsafePointer<Int64>) {
        let n = degree
        p.residues.withUnsafeMutableBufferPointer { pb in
            for i in 0..<p.limbCount {
                let m = moduli[i]
                let x = pb.baseAddress! + i * n
                for j in 0..<n { x[j] = m.reduce(signed: c[j]) }
            }
        }
        p.isNTTForm = false
    }

    /// Writes small signed coefficients (|c| < every q_i, e.g. errors and ternary values) into
    /// every limb of `p`: c or q_i + c, without a reduction.
    func setSmallSigned(_ p: inout RNSPolynomial, _ c: UnsafePointer<Int64>) {
        let n = degree
        p.residues.withUnsafeMutableBufferPointer { pb in
            for i in 0..<p.limbCount {
                let q = Int64(moduli[i].value)
                let x = pb.baseAddress! + i * n
                for j in 0..<n { x[j] = UInt64(bitPattern: c[j] &+ (q & (c[j] >> 63))) }
            }
        }
        p.isNTTForm = false
    }

    /// a + b into `out` (same shapes), without copying a first.
    func add(_ a: RNSPolynomial, _ b: RNSPolynomial, into out: inout RNSPolynomial) {
        Self.checkShapes(a, b)
        Self.checkShapes(a, out)
        let n = degree
        out.residues.withUnsafeMutableBufferPointer { ob in
            a.residues.withUnsafeBufferPointer { ab in
                b.residues.withUnsafeBufferPointer { bb in
                    for i in 0..<a.limbCount {
                        let q = moduli[i].value
                        let z = ob.baseAddress! + i * n, x = ab.baseAddress! + i * n, y = bb.baseAddress! + i * n
                        for j in 0..<n {
                            let s = x[j] &+ y[j]
                            z[j] = s >= q ? s &- q : s
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func checkShapes(_ a: RNSPolynomial, _ b: RNSPolynomial) {
        precondition(a.degree == b.degree && a.limbCount == b.limbCount && a.isNTTForm == b.isNTTForm,
                     "polynomial shapes differ")
    }
}
