import Foundation

/// Compression of ciphertext coefficients to their top bits: modulus switching from Q_ℓ to 2^w.
///
/// A coefficient x ∈ Z_{Q_ℓ} is sent as y = ⌊x · 2^w / Q_ℓ⌉ mod 2^w and read back as
/// x' = ⌊y · Q_ℓ / 2^w⌉ mod Q_ℓ, so |x' − x| ≤ `compressionError(width:limbs:)` ≈ Q_ℓ / 2^(w+1)
/// (centred, mod Q_ℓ). This is Kyber's Compress_q / Decompress_q (Bos et al. 2018,
/// "CRYSTALS-Kyber", section 3), applied to an RNS modulus: the dropped low-order bits are the
/// ones the decryption noise hides anyway, and the caller adds the error to the noise bound
/// (c1: times ‖s‖₁, since decryption multiplies c1 by s) or to the message error (c0).
///
/// Both directions stay in 64-bit words without multi-precision division:
/// - compress: x / Q_ℓ ≡ Σ_i y_i / q_i (mod 1) with y_i = [x_i · (Q_ℓ/q_i)^{−1}]_{q_i}; the sum
///   is evaluated in 192-bit fixed point with the constants ⌊2^192 / q_i⌋ (error below
///   ℓ · 2^(60−192), a fraction of one unit of 2^−w for w ≤ 127), then rounded to w bits.
/// - decompress: x' = (y·Q_ℓ + 2^(w−1) − r) / 2^w with r = (y·Q_ℓ + 2^(w−1)) mod 2^w, so for every
///   q_i | Q_ℓ, x' ≡ (2^(w−1) − r) · 2^(−w) (mod q_i); r needs only Q_ℓ mod 2^w.
extension HEContext {
    /// The widest compression supported: 127 bits (values and their arithmetic fit in UInt128;
    /// the fixed-point error above stays below 3·2^−5 of a unit, counted in `compressionError`).
    public static let maximumCompressionWidth = 127

    /// A bound on |x' − x| for one coefficient compressed to `width` bits over `limbs` primes:
    /// Q_ℓ / 2^w · (1/2 + ℓ·2^(w−132)) for the rounding to w bits (with the fixed-point slack),
    /// plus 1/2 for the rounding back to an integer.
    public func compressionError(width: Int, limbs: Int) -> Double {
        let logQ = logModulus(limbs: limbs)
        return pow(2, logQ - Double(width)) * (0.5 + Double(limbs) * pow(2, Double(width - 132))) + 0.5
    }

    /// y_j = ⌊x_j · 2^w / Q_ℓ⌉ mod 2^w for the first `count` coefficients of `p` (coefficient form,
    /// ℓ = its limb count), 1 ≤ w ≤ `maximumCompressionWidth` and 2^w < Q_ℓ.
    func compress(_ p: RNSPolynomial, width: Int, count: Int) -> [UInt128] {
        precondition(!p.isNTTForm && count <= degree && (1...Self.maximumCompressionWidth).contains(width)
                     && Double(width) < logModulus(limbs: p.limbCount), "compression to \(width) bits")
        let n = degree, limbs = p.limbCount
        let c = levelConstants[limbs - 1]
        let fractions = c.moduli.map { Self.fixedPointInverse($0.value) }
        var rounding = Word192()
        let bit = 191 - width
        switch bit / 64 {
        case 0: rounding.w0 = 1 << UInt64(bit % 64)
        case 1: rounding.w1 = 1 << UInt64(bit % 64)
        default: rounding.w2 = 1 << UInt64(bit % 64)
        }
        let shift = UInt128(128 - width)
        var out = [UInt128](repeating: 0, count: count)
        p.residues.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            for j in 0..<count {
                var acc = rounding
                for i in 0..<limbs {
                    let y = c.moduli[i].multiplyShoup(base[i * n + j], c.qHatInverse[i], c.qHatInverseShoup[i])
                    acc.add(fractions[i], times: y)
                }
                out[j] = (UInt128(acc.w2) << 64 | UInt128(acc.w1)) >> shift
            }
        }
        return out
    }

    /// x'_j = ⌊y_j · Q_ℓ / 2^w⌉ over the first `limbs` primes, coefficient form; coefficients past
    /// `values.count` are zero. Every y_j must be below 2^w.
    func decompress(_ values: [UInt128], width: Int, limbs: Int) -> RNSPolynomial {
        precondition(values.count <= degree && (1...Self.maximumCompressionWidth).contains(width))
        let n = degree
        let c = levelConstants[limbs - 1]
        let modulusLow = UInt128(c.modulusLow192.w1) << 64 | UInt128(c.modulusLow192.w0)
        let half = UInt128(1) << UInt128(width - 1), mask = (UInt128(1) << UInt128(width)) - 1
        var p = RNSPolynomial(degree: n, limbCount: limbs, isNTTForm: false)
        // d_j = 2^(w−1) − r_j, a signed value of at most w bits, kept as magnitude and sign.
        var magnitude = [UInt128](repeating: 0, count: values.count)
        var negative = [Bool](repeating: false, count: values.count)
        for (j, y) in values.enumerated() {
            let r = (y &* modulusLow &+ half) & mask
            if r <= half { magnitude[j] = half - r } else { magnitude[j] = r - half; negative[j] = true }
        }
        p.residues.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<limbs {
                let m = moduli[i]
                let inverse = m.inverse(m.power(2, UInt64(width))), inverseShoup = m.shoup(inverse)
                let row = buffer.baseAddress! + i * n
                for j in 0..<values.count {
                    let d = magnitude[j]
                    let residue = m.reduce(wideHigh: UInt64(truncatingIfNeeded: d >> 64), low: UInt64(truncatingIfNeeded: d))
                    let scaled = m.multiplyShoup(residue, inverse, inverseShoup)
                    row[j] = negative[j] ? m.negate(scaled) : scaled
                }
            }
        }
        return p
    }

    /// ⌊2^192 / q⌋ as three words (q < 2^64 odd), by long division of 2^192.
    static func fixedPointInverse(_ q: UInt64) -> Word192 {
        // 2^192 has the digits (1, 0, 0, 0) in base 2^64; 1 < q, so the top quotient digit is 0.
        var remainder: UInt64 = 1
        var words: [UInt64] = []
        for _ in 0..<3 {
            let (quotient, rest) = q.dividingFullWidth((remainder, 0))
            words.append(quotient)
            remainder = rest
        }
        var r = Word192()
        r.w2 = words[0]; r.w1 = words[1]; r.w0 = words[2]
        return r
    }
}

extension HEContext {
    /// c1 ← its rounding to `width` bits (decompress ∘ compress), with N·K·ρ(w) added to the
    /// noise bound: the aggregate key holders download is then exactly the one the aggregator holds.
    func roundC1(_ c: inout Ciphertext, width: Int) {
        var c1 = c.c1
        inverseNTT(&c1)
        var rounded = decompress(compress(c1, width: width, count: degree), width: width, limbs: c1.limbCount)
        forwardNTT(&rounded)
        c.c1 = rounded
        c.noiseBound += Double(degree) * Double(c.secretKeyBound) * compressionError(width: width, limbs: c1.limbCount)
    }

}
