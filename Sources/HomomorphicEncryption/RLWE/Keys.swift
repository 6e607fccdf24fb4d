import Randomness

/// A secret key (or one party's secret-key share): k uniform ternary polynomials s_0 … s_{k−1},
/// kept in NTT form over every ciphertext prime. Never serialized; never leaves its holder.
///
/// k = 1 is the ordinary RLWE key. k > 1 is the multi-secret key of PVW-style "packed"
/// encryption (Peikert, Vaikuntanathan, Waters, "A framework for efficient and composable oblivious
/// transfer", CRYPTO 2008: the amortised multi-message Regev scheme, here in the ring): the public
/// key carries one b_j = −a·s_j + e_j per secret on a common a, and one encryption randomness u
/// (hence one c1 = u·a + e') serves k messages (`HEContext.encrypt(messages:…)`).
public struct SecretKey: Sendable {
    public let parameterID: UInt64
    /// s_0 … s_{k−1} in NTT form over all ciphertext limbs.
    let polynomials: [RNSPolynomial]
    /// The Shoup companions ⌊s_j·2^64/q_i⌋ of every residue of every s_j (same layout), so that
    /// decryption's product c1·s_j costs one high and two low multiplies per residue instead of
    /// a Barrett reduction (Shoup's precomputed quotient, as SEAL and HEXL use for fixed
    /// operands; Harvey 2014, Alg. 2). Nil for a key assembled from polynomials alone, whose
    /// decryption computes them when it needs them (`HEContext.shoupCompanions`).
    let companions: [[UInt64]]?
    /// s_0 (the whole key when k = 1).
    var polynomial: RNSPolynomial { polynomials[0] }
    /// k, the number of secrets.
    public var secretCount: Int { polynomials.count }

    /// Samples each s_j uniformly from {−1, 0, 1}^N (the ternary secret of the security
    /// standard), one after the other from `rng` (k = 1 draws exactly what a one-secret key did).
    public init(context: HEContext, secrets: Int = 1, rng: inout ChaCha20Generator) {
        precondition((1...HEContext.maximumSecretsPerKey).contains(secrets), "1...\(HEContext.maximumSecretsPerKey) secrets per key")
        let n = context.degree
        self.polynomials = (0..<secrets).map { _ in
            var coefficients = [Int64](repeating: 0, count: n)
            coefficients.withUnsafeMutableBufferPointer { RLWESampling.ternary(into: $0.baseAddress!, count: n, rng: &rng) }
            var s = context.polynomial(signedCoefficients: coefficients, limbCount: context.maximumLimbCount)
            context.forwardNTT(&s)
            return s
        }
        self.companions = polynomials.map { context.shoupCompanions($0) }
        self.parameterID = context.parameterID
    }

    init(parameterID: UInt64, polynomial: RNSPolynomial) {
        self.init(parameterID: parameterID, polynomials: [polynomial])
    }

    init(parameterID: UInt64, polynomials: [RNSPolynomial]) {
        precondition(!polynomials.isEmpty)
        self.parameterID = parameterID
        self.polynomials = polynomials
        self.companions = nil
    }
}

/// An RLWE public key (p0, p1) = (−a·s + e, a), in NTT form over all ciphertext limbs; with k
/// secrets, k polynomials p0_j = −a·s_j + e_j on the one a (PVW 2008, see `SecretKey`).
///
/// A collective key of K parties has s_j = Σ_i s_{i,j} and e_j = Σ_i e_{i,j} (Mouchet et al.
/// 2021, section 4.2, run once per j on the same common a), so ‖s_j‖∞ ≤ K and ‖e_j‖∞ ≤ 19·K;
/// `parties` carries K into the noise bounds.
public struct PublicKey: Sendable, Equatable {
    public let parameterID: UInt64
    /// p0_0 … p0_{k−1}.
    public let p0s: [RNSPolynomial]
    public let p1: RNSPolynomial
    /// p0_0 (the whole p0 when k = 1).
    public var p0: RNSPolynomial { p0s[0] }
    /// k, the number of secrets the key encrypts under.
    public var secretCount: Int { p0s.count }
    /// The number of secret-key shares summed in the secret (1 for a single-party key).
    public let parties: Int
    /// The key epoch (incremented at every rotation; recorded with the key id).
    public let epoch: UInt64

    init(parameterID: UInt64, p0s: [RNSPolynomial], p1: RNSPolynomial, parties: Int, epoch: UInt64) {
        precondition((1...HEContext.maximumSecretsPerKey).contains(p0s.count))
        self.parameterID = parameterID
        self.p0s = p0s
        self.p1 = p1
        self.parties = parties
        self.epoch = epoch
    }

    /// A single-party public key for `secretKey` (p1 = a uniform, p0_j = −a·s_j + e_j).
    public init(secretKey: SecretKey, context: HEContext, epoch: UInt64 = 0, rng: inout ChaCha20Generator) {
        precondition(secretKey.parameterID == context.parameterID, "key belongs to other parameters")
        var a = RNSPolynomial(degree: context.degree, limbCount: context.maximumLimbCount, isNTTForm: true)
        RLWESampling.uniform(into: &a, moduli: context.moduli, rng: &rng)
        let p0s = context.publicKeyShares(secretKey: secretKey, a: a, rng: &rng)
        self.init(parameterID: context.parameterID, p0s: p0s, p1: a, parties: 1, epoch: epoch)
    }

    /// An identifier of this key: FNV-1a over the parameter id, the epoch and every polynomial
    /// (p0_0 … p0_{k−1}, then p1). An identifier for records, not a MAC.
    public var keyID: UInt64 {
        var h = FNV1a()
        h.combine(parameterID)
        h.combine(epoch)
        h.combine(UInt64(parties))
        for p in p0s { for r in p.residues { h.combine(r) } }
        for r in p1.residues { h.combine(r) }
        return h.value
    }
}

extension HEContext {
    /// The most secrets a key may have (`SecretKey`): bounds the key material a party sends at
    /// key generation, k polynomials, and what a parser accepts.
    public static let maximumSecretsPerKey = 16

    /// −a·s_j + e_j in NTT form for every secret s_j of `secretKey`, in order, each with fresh
    /// e_j (the shared shape of a public key and of a public-key share).
    func publicKeyShares(secretKey: SecretKey, a: RNSPolynomial, rng: inout ChaCha20Generator) -> [RNSPolynomial] {
        secretKey.polynomials.map { s in
            var e = gaussianPolynomial(limbCount: a.limbCount, rng: &rng)
            forwardNTT(&e)
            var product = a
            multiply(&product, s)
            subtract(&e, product)
            return e
        }
    }

    /// A polynomial with error-distribution coefficients, in coefficient form.
    func gaussianPolynomial(limbCount: Int, rng: inout ChaCha20Generator) -> RNSPolynomial {
        var coefficients = [Int64](repeating: 0, count: degree)
        coefficients.withUnsafeMutableBufferPointer { RLWESampling.gaussian(into: $0.baseAddress!, count: degree, rng: &rng) }
        return polynomial(signedCoefficients: coefficients, limbCount: limbCount)
    }
}
