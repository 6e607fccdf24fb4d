/// Noise growth of BFV under privfed's encoding m ↦ ⌊Q·m/t⌉ (see `BFVEncoder.scaledMessage`).
///
/// The invariant every BFV ciphertext keeps: c0 + c1·s ≡ ⌊Q·m/t⌉ + e (mod Q) with m the plaintext
/// in canonical form, coefficients in [0, t), and ‖e‖∞ ≤ `Ciphertext.noiseBound`. This e is what
/// a decryptor who knows m can compute, so it is what threshold decryption must flood.
///
/// Why not Δ·m with Δ = ⌊Q/t⌋ (the textbook encoding, privfed's before issue 13): Δ·t = Q − r_t(Q)
/// with r_t(Q) = Q mod t, so whenever a sum of plaintexts wraps, m_1 + m_2 = [m_1 + m_2]_t + t·k,
/// the ciphertext gains Δ·t·k ≡ −r_t(Q)·k (mod Q) of noise (Fan & Vercauteren 2012, section 4, the
/// r_t(q) term of addition). Batched plaintexts have coefficients spread over all of [0, t) whatever
/// the slot values, so a sum of W of them carries up to W − 1 in every coefficient: up to
/// r_t(Q)·(W − 1) ≈ t·W of noise: `BFVNoiseBoundTests` measured 2^21.3 above the old bound at
/// N = 8192, t ≈ 2^40, so the smudging sized from it hid the noise by ~19 bits instead of λ = 40.
/// Tracking the term is correct but costs ~log2 t more bits of smudging, more than N = 4096 has
/// room for (a 4-client job would need 85 bits of its 78); centring the plaintexts in (−t/2, t/2] only
/// halves k. Scaling by Q/t before rounding removes the term altogether
/// (the encoding of Kim, Polyakov & Zucca 2021, "Revisiting homomorphic encryption schemes for
/// finite fields", and of Lattigo's `ScaleUpTCoprimeWithQ`), because t·k·Q/t = k·Q ≡ 0 (mod Q):
///
/// - Addition (and subtraction): ⌊Q·m_a/t⌉ + ⌊Q·m_b/t⌉ = Q·(m_a + m_b)/t + ε_a + ε_b
///   ≡ Q·[m_a + m_b]_t/t + ε_a + ε_b = ⌊Q·[m_a + m_b]_t/t⌉ + (ε_a + ε_b − ε_ab), with each rounding
///   error |ε| ≤ 1/2. The difference is an integer (everything else is) of size ≤ 3/2, hence ≤ 1:
///   e_sum = e_a + e_b + δ, |δ| ≤ 1.
/// - Integer constant c: c·⌊Q·m/t⌉ = Q·c·m/t + c·ε ≡ ⌊Q·[c·m]_t/t⌉ + (c·ε − ε'), an integer of size
///   ≤ (|c| + 1)/2: e ↦ c·e + δ, |δ| ≤ ⌊(|c| + 1)/2⌋.
/// - Plaintext p with ‖p‖∞ ≤ P: ⌊Q·m/t⌉·p = Q·m·p/t + ε·p ≡ ⌊Q·[m·p]_t/t⌉ + (ε·p − ε'), with
///   ‖ε·p‖∞ ≤ N·P/2: e ↦ e·p + δ, ‖e·p‖∞ ≤ N·P·‖e‖∞, |δ| ≤ ⌊(N·P + 1)/2⌋.
///
/// Fresh encryptions start from the exact encoding (e is the RLWE error alone, `RLWENoise`).
public enum BFVNoise {
    /// What one addition or subtraction adds to the noise bound besides the operands' bounds.
    public static let additionRounding: Double = 1

    /// What a product by the integer c adds besides |c| times the bound: ⌊(|c| + 1)/2⌋.
    public static func integerMultipleRounding(_ c: Int64) -> Double {
        ((Double(c.magnitude) + 1) / 2).rounded(.down)
    }

    /// What a plaintext product adds besides N·P times the bound: ⌊(N·P + 1)/2⌋.
    public static func plaintextProductRounding(degree: Int, coefficientBound: Double) -> Double {
        ((Double(degree) * coefficientBound + 1) / 2).rounded(.down)
    }

    /// A bound on the noise of Σ_k w_k·c_k over fresh ciphertexts c_k of noise ≤ `freshNoise`, as
    /// `HEVectorCodec.weightedSum` computes it (a product by w_k ≠ 1, then additions), for
    /// at most W = Σ w_k summands: W·B + Σ_k ⌊(w_k + 1)/2⌋ + (terms − 1) ≤ W·B + 2·W. (The codec's
    /// sizing; the ciphertexts carry their own bound, which also counts summands of weight 0.)
    public static func weightedSum(freshNoise: Double, totalWeight: Int) -> Double {
        Double(totalWeight) * freshNoise + 2 * Double(totalWeight)
    }
}
