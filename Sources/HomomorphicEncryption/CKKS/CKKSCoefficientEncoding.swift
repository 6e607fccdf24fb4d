/// CKKS with the values in the coefficients instead of the slots: coefficient j of the plaintext
/// is ⌊x_j · Δ⌉, so one ciphertext carries N real values, twice the N/2 complex slots hold as
/// reals (Lattigo's non-batched CKKS encoding, `IsBatched = false`; Chen, Dai, Kim, Song 2020
/// use it for the same reason). Additions and products by constants act coefficient-wise, which
/// is all an aggregation needs; there is no FFT on either side, and an error of E on a
/// coefficient is an error of E/Δ on that value alone — worst-case bounds on the noise are
/// bounds on the decoded values, without the √N growth of the slot transform.
public struct CKKSCoefficientEncoding: Sendable {
    public let context: HEContext

    /// - Throws: `CKKSError.wrongScheme` for a BFV context.
    public init(context: HEContext) throws {
        guard context.parameters.scheme == .ckks else { throw CKKSError.wrongScheme(context.parameters.scheme) }
        self.context = context
    }

    /// ⌊x_j · Δ⌉ in coefficient j < values.count (zero above) over the first `limbs` primes,
    /// coefficient form, ready for encryption.
    /// - Throws: `CKKSError.tooManyValues`, or `.valueTooLarge` when a scaled value reaches 2^190.
    public func encode(_ values: ArraySlice<Float>, scale: Double, limbs: Int? = nil) throws -> Plaintext {
        let n = context.degree, limbCount = limbs ?? context.maximumLimbCount
        guard values.count <= n else { throw CKKSError.tooManyValues(count: values.count, slots: n) }
        var scaled = [Double](repeating: 0, count: values.count)
        var bound = 0.0
        for (j, v) in values.enumerated() {
            scaled[j] = (Double(v) * scale).rounded()
            bound = max(bound, abs(scaled[j]))
        }
        guard bound.isFinite, bound < 0x1p190 else { throw CKKSError.valueTooLarge(bound, limit: 0x1p190) }
        var p = RNSPolynomial(degree: n, limbCount: limbCount, isNTTForm: false)
        p.residues.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<limbCount {
                let m = context.moduli[i]
                let powers = Self.powersOfTwo(m)
                let row = buffer.baseAddress! + i * n
                for j in 0..<scaled.count { row[j] = Self.residue(ofIntegral: scaled[j], m, powersOfTwo: powers) }
            }
        }
        return Plaintext(scheme: .ckks, polynomial: p, scale: scale, coefficientBound: bound)
    }

    /// The first `count` coefficients of Δ·m + e (coefficient form, any number of limbs) divided by Δ.
    public func decode(_ polynomial: RNSPolynomial, scale: Double, count: Int) -> [Double] {
        precondition(!polynomial.isNTTForm && count <= context.degree)
        return polynomial.residues.withUnsafeBufferPointer { rows in
            Self.lifted(rows: rows.baseAddress!, lift: context.levelConstants[polynomial.limbCount - 1].lift,
                        degree: context.degree, count: count, scale: scale)
        }
    }

    /// Decrypts with the whole secret key over all of the ciphertext's primes and decodes the
    /// first `count` values: the same values as `decode(context.decryptToPolynomial(…))`, bit
    /// for bit, with the inverse NTT's N^{−1} folded into the lift (`HEContext.withDecryptedRows`).
    public func decrypt(_ ciphertext: Ciphertext, secretKey: SecretKey, count: Int) -> [Double] {
        precondition(count <= context.degree)
        return context.withDecryptedRows(ciphertext, secretKey: secretKey, limbs: nil) { rows, limbs in
            Self.lifted(rows: rows, lift: context.levelConstants[limbs - 1].liftUnscaled, degree: context.degree,
                        count: count, scale: ciphertext.scale)
        }
    }

    private static func lifted(rows: UnsafePointer<UInt64>, lift: CRTLiftTable, degree: Int, count: Int, scale: Double) -> [Double] {
        guard count > 0 else { return [] }
        return [Double](unsafeUninitializedCapacity: count) { out, initialized in
            lift.lift(rows: rows, stride: degree, start: 0, count: count, multiplier: 1 / scale, into: out.baseAddress!)
            initialized = count
        }
    }

    /// 2^e mod q for e < 192.
    static func powersOfTwo(_ m: Modulus) -> [UInt64] {
        var powers = [UInt64](repeating: 1 % m.value, count: 192)
        for e in 1..<192 { powers[e] = m.add(powers[e - 1], powers[e - 1]) }
        return powers
    }

    /// The residue of an integral Double with |x| < 2^190: |x| = M·2^E with a 53-bit M.
    @inline(__always)
    static func residue(ofIntegral x: Double, _ m: Modulus, powersOfTwo: [UInt64]) -> UInt64 {
        let magnitude = abs(x)
        let r: UInt64
        if magnitude < 0x1p63 {
            r = m.reduce(UInt64(magnitude))
        } else {
            let mantissa = UInt64(1) << 52 | magnitude.significandBitPattern
            r = m.multiply(m.reduce(mantissa), powersOfTwo[Int(magnitude.exponent) - 52])
        }
        return x < 0 ? m.negate(r) : r
    }
}
