import Randomness

/// A secret key (or one party's secret-key share): a uniform ternary polynomial s, kept in NTT
/// form over every ciphertext prime. Never serialized; never leaves its holder.
public struct SecretKey: Sendable {
    public let parameterID: UInt64
    /// s in NTT form over all ciphertext limbs.
    let polynomial: RNSPolynomial

    /// Samples s uniformly from {−1, 0, 1}^N (the ternary secret of the security standard).
    public init(context: HEContext, rng: inout ChaCha20Generator) {
        let n = context.degree
        var coefficients = [Int64](repeating: 0, count: n)
        coefficients.withUnsafeMutableBufferPointer { RLWESampling.ternary(into: $0.baseAddress!, count: n, rng: &rng) }
        var s = context.polynomial(signedCoefficients: coefficients, limbCount: context.maximumLimbCount)
        context.forwardNTT(&s)
        self.polynomial = s
        self.parameterID = context.parameterID
    }

    init(parameterID: UInt64, polynomial: RNSPolynomial) {
        self.parameterID = parameterID
        self.polynomial = polynomial
    }
}

/// An RLWE public key (p0, p1) = (−a·s + e, a), in NTT form over all ciphertext limbs.
///
/// A collective key of K parties has s = Σ s_i and e = Σ e_i (Mouchet et al. 2021, section 4.2),
/// so ‖s‖∞ ≤ K and ‖e‖∞ ≤ 19·K; `parties` carries K into the noise bounds.
public struct PublicKey: Sendable, Equatable {
    public let parameterID: UInt64
    public let p0: RNSPolynomial
    public let p1: RNSPolynomial
    /// The number of secret-key shares summed in the secret (1 for a single-party key).
    public let parties: Int
    /// The key epoch (incremented at every rotation; recorded with the key id).
    public let epoch: UInt64

    init(parameterID: UInt64, p0: RNSPolynomial, p1: RNSPolynomial, parties: Int, epoch: UInt64) {
        self.parameterID = parameterID
        self.p0 = p0
        self.p1 = p1
        self.parties = parties
        self.epoch = epoch
    }

    /// A single-party public key for `secretKey` (p1 = a uniform, p0 = −a·s + e).
    public init(secretKey: SecretKey, context: HEContext, epoch: UInt64 = 0, rng: inout ChaCha20Generator) {
        precondition(secretKey.parameterID == context.parameterID, "key belongs to other parameters")
        var a = RNSPolynomial(degree: context.degree, limbCount: context.maximumLimbCount, isNTTForm: true)
        RLWESampling.uniform(into: &a, moduli: context.moduli, rng: &rng)
        let p0 = context.publicKeyShare(secretKey: secretKey, a: a, rng: &rng)
        self.init(parameterID: context.parameterID, p0: p0, p1: a, parties: 1, epoch: epoch)
    }

    /// An identifier of this key: FNV-1a over the parameter id, the epoch and both polynomials.
    /// An identifier for records, not a MAC.
    public var keyID: UInt64 {
        var h = FNV1a()
        h.combine(parameterID)
        h.combine(epoch)
        h.combine(UInt64(parties))
        for r in p0.residues { h.combine(r) }
        for r in p1.residues { h.combine(r) }
        return h.value
    }
}

extension HEContext {
    /// −a·s + e in NTT form (the shared shape of a public key and of a public-key share).
    func publicKeyShare(secretKey: SecretKey, a: RNSPolynomial, rng: inout ChaCha20Generator) -> RNSPolynomial {
        var e = gaussianPolynomial(limbCount: a.limbCount, rng: &rng)
        forwardNTT(&e)
        var product = a
        multiply(&product, secretKey.polynomial)
        subtract(&e, product)
        return e
    }

    /// A polynomial with error-distribution coefficients, in coefficient form.
    func gaussianPolynomial(limbCount: Int, rng: inout ChaCha20Generator) -> RNSPolynomial {
        var coefficients = [Int64](repeating: 0, count: degree)
        coefficients.withUnsafeMutableBufferPointer { RLWESampling.gaussian(into: $0.baseAddress!, count: degree, rng: &rng) }
        return polynomial(signedCoefficients: coefficients, limbCount: limbCount)
    }
}
