import Foundation

/// How compact the wire forms of a threshold aggregation are: the bits kept of each coefficient
/// of an upload's c1 and c0 and of a decryption share, and the worst-case error they add.
///
/// Sizing (all bounds worst case, per coefficient, K key-share parties, W = Σ w_k, ρ(w) the
/// error of compressing to w bits, `HEContext.compressionError`):
/// - c1 at w1 bits adds ρ(w1)·‖s‖₁ ≤ N·K·ρ(w1) to the noise of each upload. The aggregator
///   rounds the sum's c1 to w1 bits again, so that what key holders download is exactly what it
///   holds: the aggregate's noise bound is B = W·(B_fresh + N·K·ρ(w1)) + N·K·ρ(w1) (BFV: plus
///   its rounding terms). This noise depends on s and is what the smudging must flood (b bits
///   sized from B, `ThresholdDecryption.smudgingBits`).
/// - c0 at w0 bits adds at most W·ρ(w0) to the decrypted message; it is a function of public
///   c0 alone, like a change of the message, and needs no flooding (Kyber compresses its v the
///   same way). w0 is the fewest bits with W·ρ(w0) ≤ K·2^(b−1), the smudging's own size (or
///   half or a quarter of it when nothing else fits).
/// - A decryption share at wd bits adds ρ(wd) per party after the smudging (post-processing of
///   a released value, no effect on its simulatability); wd: K·ρ(wd) ≤ K·2^(b−1).
/// - Total: B + W·ρ(w0) + K·ρ(wd) + K·2^(b−1) must stay within the scheme's budget (CKKS:
///   Δ·2^−(p+1); BFV: the decoding tolerance Δ/2 − 1). The layout is the smallest w1 that fits,
///   which also makes w0 and wd smallest (a larger B raises b and leaves fewer bits above it).
///
/// Multi-secret keys (k secrets, PVW 2008; `SecretKey`, `HEContext.encrypt(messages:…)`): the k
/// ciphertexts of a group share u, e1 and c1, hence c1's rounding τ1. Decrypting member j gives
/// Δm_j + u·e_j + e0_j + e1·s_j + τ1·s_j, and every term has the bound it has with one secret
/// (‖s_j‖∞ ≤ K for every j, ‖e_j‖∞ ≤ 19K), so B, b and the widths above hold per member as they
/// stand; only the number of c1's on the wire changes, not a bound. The sharing of u and τ1
/// makes the members' noises dependent, which worst-case bounds and per-share independent
/// smudging do not care about (`ThresholdDecryption`).
public struct CompactLayout: Sendable, Equatable, CustomStringConvertible {
    /// Bits kept of each c1 coefficient (uploads and the aggregate key holders download).
    public let ciphertextWidth: Int
    /// Bits kept of each c0 coefficient of an upload.
    public let messageWidth: Int
    /// Bits kept of each decryption-share coefficient.
    public let shareWidth: Int
    /// Smudging bits of every decryption share of a full-weight aggregate.
    public let smudgingBits: Int
    /// The s-dependent noise bound B of a full-weight aggregate (what the smudging floods).
    public let aggregateNoiseBound: Double
    /// The worst-case total error of a decrypted coefficient, before the division and rounding.
    public let errorBound: Double

    public var description: String {
        "c1 \(ciphertextWidth) bits, c0 \(messageWidth) bits, shares \(shareWidth) bits, smudging \(smudgingBits) bits, "
            + "error ≤ 2^\(String(format: "%.1f", log2(errorBound)))"
    }

    /// The smallest layout whose total error stays within `budget` (nil when none does), and the
    /// least total error any width reaches (for the error message when none fits).
    /// - Parameters:
    ///   - parties: K, the key-share parties (‖s‖∞ ≤ K) and the parties adding smudging noise.
    ///   - totalWeight: W = Σ w_k of the largest weighted sum.
    ///   - freshNoise: the noise bound of one fresh encryption.
    ///   - sumRounding: what a weighted sum of W adds besides W·B (BFV: 2·W, `BFVNoise`; CKKS: 0).
    static func smallest(context: HEContext, threshold: ThresholdDecryption, parties: Int, totalWeight: Int,
                         freshNoise: Double, sumRounding: Double, budget: Double) -> (layout: CompactLayout?, leastError: Double) {
        let limbs = context.maximumLimbCount
        let top = min(HEContext.maximumCompressionWidth, Int(context.logModulus(limbs: limbs).rounded(.up)) - 1)
        let k = Double(parties), w = Double(totalWeight), n = Double(context.degree)
        func rho(_ width: Int) -> Double { context.compressionError(width: width, limbs: limbs) }
        func narrowest(_ fits: (Double) -> Bool) -> Int? { (1...top).first { fits(rho($0)) } }
        var least = Double.infinity
        // c0 and the shares may each add up to the smudging's size; when no c1 width fits, half
        // or a quarter of it (a bit or two more of each, for room left to c1's rounding).
        for allowance in [1.0, 0.5, 0.25] {
            for c1 in 1...top {
                let c1Noise = n * k * rho(c1)
                let noise = w * (freshNoise + c1Noise) + sumRounding + c1Noise
                let bits = threshold.smudgingBits(noiseBound: noise)
                guard bits <= RLWESampling.maximumWideBits else { continue }
                let smudging = k * pow(2, Double(bits - 1))
                guard let c0 = narrowest({ w * $0 <= allowance * smudging }),
                      let share = narrowest({ k * $0 <= allowance * smudging }) else { continue }
                let total = noise + w * rho(c0) + k * rho(share) + smudging
                least = min(least, total)
                if total <= budget {
                    return (CompactLayout(ciphertextWidth: c1, messageWidth: c0, shareWidth: share, smudgingBits: bits,
                                          aggregateNoiseBound: noise, errorBound: total), total)
                }
            }
        }
        return (nil, least)
    }

    /// Bytes of packing `count` values of `width` bits.
    static func packedByteCount(count: Int, width: Int) -> Int { (count * width + 7) / 8 }
}
