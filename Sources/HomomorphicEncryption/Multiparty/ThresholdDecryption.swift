import Foundation
import Randomness

/// One party's decryption share of one ciphertext: h_i = s_i·c1 + E_i with smudging noise E_i
/// (NTT form over the ciphertext's primes), or the sum of several such shares.
public struct DecryptionShare: Sendable, Equatable {
    public let parameterID: UInt64
    /// Identifies the ciphertext the share was made for (FNV-1a of c1; an identifier, not a MAC).
    public let ciphertextID: UInt64
    public let polynomial: RNSPolynomial
    public let parties: Int
    /// Each party's smudging noise is uniform in [−2^(bits−1), 2^(bits−1)).
    public let smudgingBits: Int
}

/// Threshold (K-out-of-K) decryption with noise flooding (Mouchet et al. 2021, Protocol 3,
/// "collective key switching" to the zero key; Lattigo's `multiparty.KeySwitchProtocol`).
///
/// Each party i publishes h_i = s_i·c1 + E_i; anyone computes c0 + Σ h_i = Δ·m + e + Σ E_i and
/// decodes. Without all K shares the sum misses s_j·c1 for some j, a uniformly random-looking
/// polynomial by RLWE, and nothing about m is revealed.
///
/// Smudging size: E_i is uniform on an interval of width 2^b with
/// b = ⌈log2 B⌉ + λ + log2 N + 1, where B is the ciphertext's noise bound (`Ciphertext.noiseBound`,
/// a worst-case bound). The statistical distance between e + E_i and E_i is then at most
/// N·B/2^b ≤ 2^{−λ−1} over all N coefficients (one-dimensional smudging lemma, union bound), so
/// the released decryption is simulatable from m alone: the decryption noise — the only place
/// where the secret key leaks in CKKS (Li & Micciancio 2021) — is hidden, even from the other
/// K−1 parties, since each party's own E_i suffices. λ = 40 by default.
///
/// Multi-secret keys (PVW 2008, `SecretKey`): a ciphertext under s_j gets party i's share
/// s_{i,j}·c1 + E with its own fresh E. Ciphertexts encrypted together share c1 and u, so their
/// noises are correlated, but each share is flooded by independent smudging against a worst-case
/// bound on its own ciphertext's noise: the hybrid over shares (replace one share at a time by
/// its simulation from the released m_j) costs N·B/2^b per share whatever the other noises are,
/// the same total as with one c1 per ciphertext.
public struct ThresholdDecryption: Sendable {
    public let context: HEContext
    /// λ, the statistical security parameter in bits.
    public let statisticalSecurity: Int

    public init(context: HEContext, statisticalSecurity: Int = 40) {
        precondition(statisticalSecurity >= 1 && statisticalSecurity <= 80)
        self.context = context
        self.statisticalSecurity = statisticalSecurity
    }

    /// b, the smudging size in bits for a ciphertext with noise bound B.
    public func smudgingBits(noiseBound: Double) -> Int {
        Int(log2(max(noiseBound, 1)).rounded(.up)) + statisticalSecurity + context.degree.trailingZeroBitCount + 1
    }

    /// A bound on the coefficient error after combining `parties` shares: B + K·2^(b−1).
    public func combinedNoiseBound(_ ciphertext: Ciphertext, parties: Int) -> Double {
        ciphertext.noiseBound + Double(parties) * pow(2, Double(smudgingBits(noiseBound: ciphertext.noiseBound) - 1))
    }

    static func ciphertextID(_ c: Ciphertext) -> UInt64 {
        var h = FNV1a()
        h.combine(c.parameterID)
        h.combine(UInt64(c.limbCount))
        // Ciphertexts encrypted together share c1; the secret index tells their shares apart.
        if c.keyIndex > 0 { h.combine(UInt64(c.keyIndex) | 0x4B49_0000_0000_0000) }
        // c1 is uniform; its first coefficients identify the ciphertext.
        for r in c.c1.residues.prefix(64) { h.combine(r) }
        return h.value
    }

    /// Party i's share s_{i,j}·c1 + E_i (j the ciphertext's `keyIndex`).
    public func generateShare(ciphertext: Ciphertext, secretKeyShare: SecretKey, rng: inout ChaCha20Generator) -> DecryptionShare {
        precondition(ciphertext.parameterID == context.parameterID && secretKeyShare.parameterID == context.parameterID,
                     "ciphertext or key share belongs to other parameters")
        precondition(ciphertext.keyIndex < secretKeyShare.secretCount, "ciphertext of secret \(ciphertext.keyIndex), key of \(secretKeyShare.secretCount)")
        let bits = smudgingBits(noiseBound: ciphertext.noiseBound)
        var h = RNSPolynomial(degree: context.degree, limbCount: ciphertext.limbCount, isNTTForm: false)
        RLWESampling.uniformWide(into: &h, bits: bits, moduli: context.moduli, rng: &rng)
        context.forwardNTT(&h)
        context.multiplyAdd(&h, ciphertext.c1, secretKeyShare.polynomials[ciphertext.keyIndex])
        return DecryptionShare(parameterID: context.parameterID, ciphertextID: Self.ciphertextID(ciphertext),
                               polynomial: h, parties: 1, smudgingBits: bits)
    }

    /// The sum of shares of one ciphertext (associative).
    /// - Throws: `MultipartyError.noShares`, `.parameterMismatch` or `.ciphertextMismatch`.
    public func aggregate(_ shares: [DecryptionShare]) throws -> DecryptionShare {
        guard let first = shares.first else { throw MultipartyError.noShares }
        var sum = first.polynomial
        var parties = 0
        for s in shares {
            guard s.parameterID == context.parameterID else {
                throw MultipartyError.parameterMismatch(expected: context.parameterID, found: s.parameterID)
            }
            guard s.ciphertextID == first.ciphertextID, s.polynomial.limbCount == first.polynomial.limbCount,
                  s.polynomial.isNTTForm == first.polynomial.isNTTForm else {
                throw MultipartyError.ciphertextMismatch
            }
            parties += s.parties
        }
        for s in shares.dropFirst() { context.add(&sum, s.polynomial) }
        return DecryptionShare(parameterID: context.parameterID, ciphertextID: first.ciphertextID, polynomial: sum,
                               parties: parties, smudgingBits: first.smudgingBits)
    }

    /// c0 + Σ h_i in coefficient form: Δ·m + e + Σ E_i, ready for the scheme's decoder.
    /// - Throws: `MultipartyError.missingShares` unless the aggregate holds all K shares of the
    ///   key the ciphertext is under, `.ciphertextMismatch` for a share of another ciphertext.
    public func finalize(ciphertext: Ciphertext, aggregate: DecryptionShare) throws -> RNSPolynomial {
        guard aggregate.parameterID == context.parameterID else {
            throw MultipartyError.parameterMismatch(expected: context.parameterID, found: aggregate.parameterID)
        }
        guard aggregate.ciphertextID == Self.ciphertextID(ciphertext), aggregate.polynomial.limbCount == ciphertext.limbCount else {
            throw MultipartyError.ciphertextMismatch
        }
        guard aggregate.parties == ciphertext.secretKeyBound else {
            throw MultipartyError.missingShares(expected: ciphertext.secretKeyBound, received: aggregate.parties)
        }
        return combine(ciphertext: ciphertext, aggregate: aggregate)
    }

    /// c0 + h without the completeness check (the aggregator's view in security tests). Compact
    /// shares arrive in coefficient form (`CompactDecryptionShare.expanded`); c0 is brought there.
    func combine(ciphertext: Ciphertext, aggregate: DecryptionShare) -> RNSPolynomial {
        var m = ciphertext.c0
        if aggregate.polynomial.isNTTForm {
            context.add(&m, aggregate.polynomial)
            context.inverseNTT(&m)
        } else {
            context.inverseNTT(&m)
            context.add(&m, aggregate.polynomial)
        }
        return m
    }

    /// Party i's compact share of `ciphertext`: the top `width` bits of the first `coefficients`
    /// coefficients of s_{i,j}·c1 + E_i (`secretKeyShares` one per secret j, in NTT form over the
    /// ciphertext's primes or more: a key share, or a share-holder's S_h), and `parties` key
    /// holders it stands for.
    func generateCompactShare(ciphertext: Ciphertext, secretKeyShares: [RNSPolynomial], parties: Int, width: Int,
                              coefficients: Int, rng: inout ChaCha20Generator) -> CompactDecryptionShare {
        precondition(ciphertext.parameterID == context.parameterID, "ciphertext belongs to other parameters")
        precondition(ciphertext.keyIndex < secretKeyShares.count, "ciphertext of secret \(ciphertext.keyIndex), key of \(secretKeyShares.count)")
        let bits = smudgingBits(noiseBound: ciphertext.noiseBound)
        var h = RNSPolynomial(degree: context.degree, limbCount: ciphertext.limbCount, isNTTForm: true)
        context.multiplyAdd(&h, ciphertext.c1, secretKeyShares[ciphertext.keyIndex])
        context.inverseNTT(&h)
        var smudging = RNSPolynomial(degree: context.degree, limbCount: ciphertext.limbCount, isNTTForm: false)
        RLWESampling.uniformWide(into: &smudging, bits: bits, moduli: context.moduli, rng: &rng)
        context.add(&h, smudging)
        return CompactDecryptionShare(parameterID: context.parameterID, ciphertextID: Self.ciphertextID(ciphertext),
                                      limbCount: h.limbCount, width: width, values: context.compress(h, width: width, count: coefficients),
                                      parties: parties, smudgingBits: bits)
    }
}
