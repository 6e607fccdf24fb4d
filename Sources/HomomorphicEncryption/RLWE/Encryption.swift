import Foundation
import Randomness

/// Public-key and symmetric RLWE encryption and decryption, shared by CKKS and BFV: the
/// schemes differ only in how a message becomes the plaintext polynomial Δ·m (Lattigo's rlwe
/// layer has the same split).
extension HEContext {
    /// Public-key encryption (Lyubashevsky, Peikert, Regev 2010; the form of SEAL and Lattigo):
    /// c0 = p0·u + e0 + Δm, c1 = p1·u + e1 with u ternary and e0, e1 bounded Gaussian.
    /// - Parameters:
    ///   - message: Δ·m in coefficient form, over the limbs the ciphertext should have.
    ///   - scale: the CKKS scale (1 for BFV), carried along.
    public func encrypt(message: RNSPolynomial, scale: Double, publicKey: PublicKey, rng: inout ChaCha20Generator) -> Ciphertext {
        encrypt(messages: [message], scale: scale, publicKey: publicKey, rng: &rng)[0]
    }

    /// Packed public-key encryption of up to k messages under a k-secret key (Peikert,
    /// Vaikuntanathan, Waters, CRYPTO 2008, amortised multi-message Regev, in the ring): one ternary u and one
    /// c1 = p1·u + e1 for all of them, and c0_j = p0_j·u + e0_j + Δm_j. Ciphertext j decrypts
    /// with s_j (`Ciphertext.keyIndex`) and has exactly the noise of a one-message encryption,
    /// e = u·e_j + e0_j + e1·s_j, so `RLWENoise.freshPublicKey` bounds each. Security: with
    /// (a, b_0 … b_{k−1}) pseudorandom (see `CollectivePublicKeyGeneration`), the k + 1 pairs
    /// (a, u·a + e1), (b_j, u·b_j + e0_j) are RLWE samples under the one secret u, which RLWE
    /// with k + 1 samples makes pseudorandom, so Δm_j is hidden (RLWE as Lyubashevsky, Peikert,
    /// Regev 2010 state it holds for any polynomial number of samples; here k + 1 ≤ 17 ring samples
    /// share the ternary u, against 2 in a one-message encryption). The rng draws u, then e0_0 …
    /// e0_{k−1}, then e1 (one message: exactly what `encrypt(message:…)` always drew).
    public func encrypt(messages: [RNSPolynomial], scale: Double, publicKey: PublicKey, rng: inout ChaCha20Generator) -> [Ciphertext] {
        precondition(publicKey.parameterID == parameterID, "public key belongs to other parameters")
        precondition(!messages.isEmpty && messages.count <= publicKey.secretCount, "more messages than the key has secrets")
        let limbs = messages[0].limbCount
        precondition(messages.allSatisfy { !$0.isNTTForm && $0.limbCount == limbs } && limbs <= maximumLimbCount)
        let n = degree
        var scratch = [Int64](repeating: 0, count: n)
        // u, ternary.
        scratch.withUnsafeMutableBufferPointer { RLWESampling.ternary(into: $0.baseAddress!, count: n, rng: &rng) }
        var u = RNSPolynomial(uninitializedDegree: n, limbCount: limbs, isNTTForm: false)
        scratch.withUnsafeBufferPointer { setSmallSigned(&u, $0.baseAddress!) }
        forwardNTT(&u)
        // c0_j = NTT(Δm_j + e0_j) + p0_j·u.
        let c0s: [RNSPolynomial] = messages.enumerated().map { j, message in
            scratch.withUnsafeMutableBufferPointer { RLWESampling.gaussian(into: $0.baseAddress!, count: n, rng: &rng) }
            var c0 = message
            addSigned(&c0, scratch)
            forwardNTT(&c0)
            multiplyAdd(&c0, publicKey.p0s[j], u)
            return c0
        }
        // c1 = NTT(e1) + p1·u.
        scratch.withUnsafeMutableBufferPointer { RLWESampling.gaussian(into: $0.baseAddress!, count: n, rng: &rng) }
        var c1 = RNSPolynomial(uninitializedDegree: n, limbCount: limbs, isNTTForm: false)
        scratch.withUnsafeBufferPointer { setSmallSigned(&c1, $0.baseAddress!) }
        forwardNTT(&c1)
        multiplyAdd(&c1, publicKey.p1, u)
        return c0s.enumerated().map { j, c0 in
            Ciphertext(scheme: parameters.scheme, parameterID: parameterID, c0: c0, c1: c1, scale: scale,
                       noiseBound: RLWENoise.freshPublicKey(degree: n, parties: publicKey.parties),
                       secretKeyBound: publicKey.parties, keyIndex: j)
        }
    }

    /// Symmetric encryption: c1 = a uniform, c0 = −a·s + e + Δm (fewer transforms; the holder
    /// of the whole secret key only).
    public func encrypt(message: RNSPolynomial, scale: Double, secretKey: SecretKey, rng: inout ChaCha20Generator) -> Ciphertext {
        precondition(secretKey.parameterID == parameterID, "secret key belongs to other parameters")
        precondition(!message.isNTTForm && message.limbCount <= maximumLimbCount)
        let n = degree, limbs = message.limbCount
        var a = RNSPolynomial(degree: n, limbCount: limbs, isNTTForm: true)
        RLWESampling.uniform(into: &a, moduli: moduli, rng: &rng)
        var scratch = [Int64](repeating: 0, count: n)
        scratch.withUnsafeMutableBufferPointer { RLWESampling.gaussian(into: $0.baseAddress!, count: n, rng: &rng) }
        var c0 = message
        addSigned(&c0, scratch)
        forwardNTT(&c0)
        var product = RNSPolynomial(degree: n, limbCount: limbs, isNTTForm: true)
        multiplyAdd(&product, a, secretKey.polynomial)
        subtract(&c0, product)
        return Ciphertext(scheme: parameters.scheme, parameterID: parameterID, c0: c0, c1: a, scale: scale,
                          noiseBound: RLWENoise.freshSymmetric, secretKeyBound: 1)
    }

    /// The fewest primes q_0 ⋯ q_{ℓ} whose product exceeds 4·`magnitude`: decrypting over them
    /// alone is exact for a message-plus-noise of at most `magnitude` (the other primes only carry
    /// room for rescaling), which saves their transforms.
    public func minimalLimbs(forMagnitude magnitude: Double, available: Int) -> Int {
        let needed = log2(max(magnitude, 1)) + 2
        for l in 1...available where levelConstants[l - 1].logQ >= needed { return l }
        return available
    }

    /// p += c for small signed coefficients c (|c| < q_i), every limb (coefficient form).
    func addSigned(_ p: inout RNSPolynomial, _ c: [Int64]) {
        precondition(!p.isNTTForm && c.count == degree)
        let n = degree
        p.residues.withUnsafeMutableBufferPointer { pb in
            c.withUnsafeBufferPointer { cb in
                for i in 0..<p.limbCount {
                    let q = moduli[i].value
                    let x = pb.baseAddress! + i * n, e = cb.baseAddress!
                    for j in 0..<n {
                        // x + e with e ∈ (−q, q): add q when e < 0, then one conditional subtraction.
                        let s = x[j] &+ UInt64(bitPattern: e[j]) &+ (q & UInt64(bitPattern: e[j] >> 63))
                        x[j] = s >= q ? s &- q : s
                    }
                }
            }
        }
    }
}
