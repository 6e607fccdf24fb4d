import Foundation

/// Errors of homomorphic evaluation a caller can cause.
public enum HEEvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    case parameterMismatch(UInt64, UInt64)
    case schemeMismatch(HEScheme, HEScheme)
    case levelMismatch(Int, Int)
    case scaleMismatch(Double, Double)
    case cannotRescale
    case emptyInput
    case keyIndexMismatch(Int, Int)

    public var description: String {
        switch self {
        case .parameterMismatch(let a, let b):
            return "operands belong to different parameter sets (id \(String(a, radix: 16)) vs \(String(b, radix: 16)))"
        case .schemeMismatch(let a, let b): return "operands belong to different schemes: \(a) vs \(b)"
        case .levelMismatch(let a, let b): return "operands have different numbers of primes: \(a) vs \(b)"
        case .scaleMismatch(let a, let b): return "CKKS scales differ: 2^\(log2(a)) vs 2^\(log2(b))"
        case .cannotRescale: return "cannot rescale a ciphertext with a single prime left"
        case .emptyInput: return "nothing to combine"
        case .keyIndexMismatch(let a, let b): return "operands are encrypted under different secrets of the key: s_\(a) vs s_\(b)"
        }
    }
}

/// Operations on ciphertexts shared by CKKS and BFV.
extension HEContext {
    func checkCompatible(_ a: Ciphertext, _ b: Ciphertext) throws {
        guard a.parameterID == parameterID, b.parameterID == parameterID else {
            throw HEEvaluationError.parameterMismatch(a.parameterID, b.parameterID)
        }
        guard a.scheme == b.scheme else { throw HEEvaluationError.schemeMismatch(a.scheme, b.scheme) }
        guard a.limbCount == b.limbCount else { throw HEEvaluationError.levelMismatch(a.limbCount, b.limbCount) }
        guard a.keyIndex == b.keyIndex else { throw HEEvaluationError.keyIndexMismatch(a.keyIndex, b.keyIndex) }
        guard abs(a.scale - b.scale) <= 0x1p-30 * max(a.scale, b.scale) else {
            throw HEEvaluationError.scaleMismatch(a.scale, b.scale)
        }
    }

    /// What an addition adds to the noise besides the operands' noise: 0 for CKKS (exact), at most
    /// 1 for BFV (the rounding of its encoding, `BFVNoise`).
    var additionNoise: Double { bfv == nil ? 0 : BFVNoise.additionRounding }

    /// a + b: encrypts the sum of the messages; noise bounds add (BFV: plus `BFVNoise.additionRounding`).
    public func add(_ a: Ciphertext, _ b: Ciphertext) throws -> Ciphertext {
        try checkCompatible(a, b)
        var c0 = RNSPolynomial(uninitializedDegree: degree, limbCount: a.limbCount, isNTTForm: true)
        var c1 = RNSPolynomial(uninitializedDegree: degree, limbCount: a.limbCount, isNTTForm: true)
        add(a.c0, b.c0, into: &c0)
        add(a.c1, b.c1, into: &c1)
        return Ciphertext(scheme: a.scheme, parameterID: a.parameterID, c0: c0, c1: c1, scale: a.scale,
                          noiseBound: a.noiseBound + b.noiseBound + additionNoise, secretKeyBound: max(a.secretKeyBound, b.secretKeyBound),
                          keyIndex: a.keyIndex)
    }

    /// a += b.
    public func addInPlace(_ a: inout Ciphertext, _ b: Ciphertext) throws {
        try checkCompatible(a, b)
        add(&a.c0, b.c0)
        add(&a.c1, b.c1)
        a.noiseBound += b.noiseBound + additionNoise
        a.secretKeyBound = max(a.secretKeyBound, b.secretKeyBound)
    }

    /// a − b.
    public func subtract(_ a: Ciphertext, _ b: Ciphertext) throws -> Ciphertext {
        try checkCompatible(a, b)
        var r = a
        subtract(&r.c0, b.c0)
        subtract(&r.c1, b.c1)
        r.noiseBound += b.noiseBound + additionNoise
        return r
    }

    /// The sum of several ciphertexts.
    /// - Throws: `HEEvaluationError.emptyInput` or a mismatch error.
    public func sum(_ ciphertexts: [Ciphertext]) throws -> Ciphertext {
        guard var total = ciphertexts.first else { throw HEEvaluationError.emptyInput }
        for c in ciphertexts.dropFirst() { try addInPlace(&total, c) }
        return total
    }

    /// The plaintext in NTT form over `limbs` primes, ready for `multiply(_:byPlaintext:)`.
    public func prepareForMultiplication(_ plaintext: Plaintext, limbs: Int) -> Plaintext {
        var p = plaintext
        if p.polynomial.isNTTForm {
            precondition(p.polynomial.limbCount == limbs, "prepared plaintext has another level")
            return p
        }
        p.polynomial.dropLimbs(keeping: limbs)
        forwardNTT(&p.polynomial)
        return p
    }

    /// ct ⊙ pt: encrypts the slot-wise product (CKKS: at scale Δ_ct·Δ_pt; BFV: mod t).
    /// Noise: ‖m·e‖∞ ≤ N·‖m‖∞·‖e‖∞ (worst case; BFV adds the rounding of its encoding, `BFVNoise`).
    public func multiply(_ ciphertext: Ciphertext, byPlaintext plaintext: Plaintext) throws -> Ciphertext {
        guard ciphertext.parameterID == parameterID else {
            throw HEEvaluationError.parameterMismatch(ciphertext.parameterID, parameterID)
        }
        guard ciphertext.scheme == plaintext.scheme else { throw HEEvaluationError.schemeMismatch(ciphertext.scheme, plaintext.scheme) }
        let p = prepareForMultiplication(plaintext, limbs: ciphertext.limbCount)
        var r = ciphertext
        multiply(&r.c0, p.polynomial)
        multiply(&r.c1, p.polynomial)
        r.noiseBound = Double(degree) * plaintext.coefficientBound * ciphertext.noiseBound + extraMultiplicationNoise(plaintext)
        if r.scheme == .ckks { r.scale *= plaintext.scale }
        return r
    }

    /// ct · c for a signed integer constant c (|c| < 2^62): every message and the noise scale by c
    /// (BFV: plus `BFVNoise.integerMultipleRounding`).
    public func multiply(_ ciphertext: Ciphertext, byInteger c: Int64) -> Ciphertext {
        var r = ciphertext
        let residues = moduli.prefix(ciphertext.limbCount).map { $0.reduce(signed: c) }
        multiply(&r.c0, byResidues: residues)
        multiply(&r.c1, byResidues: residues)
        r.noiseBound = Double(c.magnitude) * r.noiseBound + (bfv == nil ? 0 : BFVNoise.integerMultipleRounding(c))
        return r
    }

    func extraMultiplicationNoise(_ plaintext: Plaintext) -> Double {
        guard bfv != nil else { return 0 }
        return BFVNoise.plaintextProductRounding(degree: degree, coefficientBound: plaintext.coefficientBound)
    }
}
