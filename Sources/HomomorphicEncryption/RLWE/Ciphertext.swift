/// A plaintext polynomial with its scale: CKKS Δ (the encoded values times Δ, rounded) or,
/// for BFV, scale 1 (the coefficients are residues mod t).
public struct Plaintext: Sendable {
    public let scheme: HEScheme
    /// The encoded polynomial, coefficient form (for encryption) or NTT form (for multiplication).
    public var polynomial: RNSPolynomial
    public let scale: Double
    /// ‖m‖∞ bound on the centred coefficients, used by the noise bounds of multiplications.
    public let coefficientBound: Double
}

/// An RLWE ciphertext (c0, c1) with c0 + c1·s = Δ·m + e (mod Q_ℓ), both polynomials in NTT form
/// (BFV: ⌊Q·m/t⌉ + e with m canonical in [0, t), see `BFVNoise`).
///
/// Besides the scale, it carries `noiseBound`, a bound on ‖e‖∞ updated by every operation
/// (worst-case bounds from the bounded error distribution, see `RLWENoise`). Threshold
/// decryption sizes its smudging noise from it.
public struct Ciphertext: Sendable, Equatable {
    public let scheme: HEScheme
    public let parameterID: UInt64
    public internal(set) var c0: RNSPolynomial
    public internal(set) var c1: RNSPolynomial
    /// CKKS scale Δ of the encrypted values (1 for BFV).
    public internal(set) var scale: Double
    /// A bound on the infinity norm of the error e.
    public internal(set) var noiseBound: Double
    /// ‖s‖∞ of the key it is encrypted under (the number of key shares summed).
    public internal(set) var secretKeyBound: Int
    /// j, the secret s_j of a multi-secret key (`SecretKey`) that decrypts it: c0 + c1·s_j.
    /// Ciphertexts encrypted together under one u share c1 and differ in j (PVW 2008).
    public internal(set) var keyIndex: Int = 0

    /// The number of ciphertext primes (the level plus one).
    public var limbCount: Int { c0.limbCount }
}

/// Worst-case noise bounds, from |e| ≤ 19 (bounded Gaussian) and ternary secrets.
public enum RLWENoise {
    /// Fresh public-key encryption under a K-party key: e = u·e_pk + e0 + e1·s with ternary u,
    /// ‖e_pk‖∞ ≤ 19K, ‖s‖∞ ≤ K; a product of an n-term ternary polynomial with a polynomial of
    /// norm B has norm ≤ N·B. Hence ‖e‖∞ ≤ 2·N·19·K + 19.
    public static func freshPublicKey(degree: Int, parties: Int) -> Double {
        let b = Double(RLWESampling.errorBound)
        return 2 * Double(degree) * b * Double(parties) + b
    }

    /// Fresh symmetric encryption: e is one error polynomial.
    public static var freshSymmetric: Double { Double(RLWESampling.errorBound) }

    /// Rounding error added by a CKKS rescale: each of c0, c1 is rounded by at most 1/2, so the
    /// decryption gains at most (1 + N·‖s‖∞)/2.
    public static func rescaleRounding(degree: Int, secretKeyBound: Int) -> Double {
        (1 + Double(degree) * Double(secretKeyBound)) / 2
    }
}
