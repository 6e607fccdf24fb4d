import Foundation

/// Errors of CKKS encoding and evaluation a caller can cause.
public enum CKKSError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooManyValues(count: Int, slots: Int)
    case valueTooLarge(Double, limit: Double)
    case wrongScheme(HEScheme)

    public var description: String {
        switch self {
        case .tooManyValues(let count, let slots): return "\(count) values do not fit in \(slots) CKKS slots"
        case .valueTooLarge(let v, let limit):
            return "scaled value \(v) exceeds the encodable bound \(limit) (reduce the scale or the values)"
        case .wrongScheme(let s): return "operation needs a CKKS context, got \(s)"
        }
    }
}

/// CKKS encoding through the canonical embedding: N/2 real (or complex) slots, scaled by Δ and
/// rounded to integer coefficients (Cheon, Kim, Kim, Song 2017, section 3.2–3.3), in O(N log N)
/// with the special FFT.
public struct CKKSEncoder: Sendable {
    public let context: HEContext
    let tables: CKKSEncodingTables

    /// - Throws: `CKKSError.wrongScheme` for a BFV context.
    public init(context: HEContext) throws {
        guard let tables = context.ckks else { throw CKKSError.wrongScheme(context.parameters.scheme) }
        self.context = context
        self.tables = tables
    }

    public var slotCount: Int { tables.slots }

    /// Encodes up to N/2 real values (the rest of the slots are zero) at `scale` over the first
    /// `limbs` primes, in coefficient form (ready for encryption).
    /// - Throws: `CKKSError.tooManyValues`, or `.valueTooLarge` when a scaled coefficient reaches 2^126.
    public func encode(_ values: [Double], scale: Double? = nil, limbs: Int? = nil) throws -> Plaintext {
        let n = tables.slots
        guard values.count <= n else { throw CKKSError.tooManyValues(count: values.count, slots: n) }
        var re = [Double](repeating: 0, count: n), im = [Double](repeating: 0, count: n)
        for (j, v) in values.enumerated() { re[j] = v }
        return try encodeSlots(re: &re, im: &im, scale: scale ?? context.parameters.scale, limbs: limbs ?? context.maximumLimbCount)
    }

    /// Encodes Float values from `values[range]` (the pipeline's model updates) without an intermediate array.
    public func encode(_ values: ArraySlice<Float>, scale: Double? = nil, limbs: Int? = nil) throws -> Plaintext {
        let n = tables.slots
        guard values.count <= n else { throw CKKSError.tooManyValues(count: values.count, slots: n) }
        var re = [Double](repeating: 0, count: n), im = [Double](repeating: 0, count: n)
        var j = 0
        for v in values { re[j] = Double(v); j += 1 }
        return try encodeSlots(re: &re, im: &im, scale: scale ?? context.parameters.scale, limbs: limbs ?? context.maximumLimbCount)
    }

    func encodeSlots(re: inout [Double], im: inout [Double], scale: Double, limbs: Int) throws -> Plaintext {
        let n = tables.slots
        re.withUnsafeMutableBufferPointer { r in
            im.withUnsafeMutableBufferPointer { i in tables.inverse(r.baseAddress!, i.baseAddress!) }
        }
        var poly = RNSPolynomial(degree: context.degree, limbCount: limbs, isNTTForm: false)
        let limit = 0x1p126
        var bound = 0.0
        for j in 0..<n {
            let a = (re[j] * scale).rounded(), b = (im[j] * scale).rounded()
            bound = max(bound, abs(a), abs(b))
        }
        guard bound < limit, bound.isFinite else { throw CKKSError.valueTooLarge(bound, limit: limit) }
        let d = context.degree
        poly.residues.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<limbs {
                let m = context.moduli[i]
                let x = buffer.baseAddress! + i * d
                for j in 0..<n {
                    x[j] = Self.residue(ofIntegral: (re[j] * scale).rounded(), m)
                    x[j + n] = Self.residue(ofIntegral: (im[j] * scale).rounded(), m)
                }
            }
        }
        return Plaintext(scheme: .ckks, polynomial: poly, scale: scale, coefficientBound: bound)
    }

    /// Decodes Δ·m + e (coefficient form, any number of limbs) back to N/2 real values.
    /// Exact lifting needs the centred coefficients below 2^127 (see `RNSLevelConstants`).
    public func decode(_ polynomial: RNSPolynomial, scale: Double) -> [Double] {
        precondition(!polynomial.isNTTForm)
        return polynomial.residues.withUnsafeBufferPointer { rows in
            decodeSlots(rows: rows.baseAddress!, lift: context.levelConstants[polynomial.limbCount - 1].lift, scale: scale)
        }
    }

    /// Decrypts with the whole secret key and decodes.
    /// - Parameter valueBound: a bound on |value| of every slot, when known; decryption then uses
    ///   only the primes needed to hold Δ·|value| plus noise (see `HEContext.minimalLimbs`).
    public func decrypt(_ ciphertext: Ciphertext, secretKey: SecretKey, valueBound: Double? = nil) -> [Double] {
        var limbs = ciphertext.limbCount
        if let valueBound {
            limbs = context.minimalLimbs(forMagnitude: ciphertext.scale * valueBound + ciphertext.noiseBound, available: limbs)
        }
        return context.withDecryptedRows(ciphertext, secretKey: secretKey, limbs: limbs) { rows, limbs in
            decodeSlots(rows: rows, lift: context.levelConstants[limbs - 1].liftUnscaled, scale: ciphertext.scale)
        }
    }

    /// Lifts the coefficients a_j straight into the real and imaginary parts a_j/Δ, a_{j+N/2}/Δ
    /// of the special FFT's input and evaluates it.
    private func decodeSlots(rows: UnsafePointer<UInt64>, lift: CRTLiftTable, scale: Double) -> [Double] {
        let n = tables.slots, inv = 1.0 / scale
        var re = [Double](unsafeUninitializedCapacity: n) { _, count in count = n }
        var im = [Double](unsafeUninitializedCapacity: n) { _, count in count = n }
        re.withUnsafeMutableBufferPointer { r in
            im.withUnsafeMutableBufferPointer { i in
                lift.lift(rows: rows, stride: context.degree, start: 0, count: n, multiplier: inv, into: r.baseAddress!)
                lift.lift(rows: rows, stride: context.degree, start: n, count: n, multiplier: inv, into: i.baseAddress!)
                tables.forward(r.baseAddress!, i.baseAddress!)
            }
        }
        return re
    }

    /// The residue of an integral Double with |x| < 2^126 (exact: the double's 53 significant
    /// bits are split into two 64-bit words).
    @inline(__always)
    static func residue(ofIntegral x: Double, _ m: Modulus) -> UInt64 {
        let magnitude = abs(x)
        let r: UInt64
        if magnitude < 0x1p63 {
            r = m.reduce(UInt64(magnitude))
        } else {
            let high = (magnitude * 0x1p-64).rounded(.down)
            let low = magnitude - high * 0x1p64
            r = m.reduce(wideHigh: UInt64(high), low: UInt64(low))
        }
        return x < 0 ? m.negate(r) : r
    }
}
