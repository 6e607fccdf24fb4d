import Foundation
import Randomness

/// The random distributions of RLWE, all drawn from a ChaCha20 stream in user space.
public enum RLWESampling {
    /// Standard deviation of the error distribution (HomomorphicEncryption.org standard, section 2.1).
    public static let errorStandardDeviation = 3.2
    /// Errors are bounded at 6σ: |e| ≤ 19 always (samples of the tail beyond are never produced).
    public static let errorBound: Int64 = 19

    /// Cumulative distribution of |e| for the discrete Gaussian of σ = 3.2 truncated to
    /// |e| ≤ 19: P(|e| = 0) ∝ 1, P(|e| = k) ∝ 2·exp(−k²/2σ²), scaled to 2^63.
    static let magnitudeCDT: [UInt64] = {
        let sigma = errorStandardDeviation
        var weights: [Double] = []
        for k in 0...Int(errorBound) {
            let w = exp(-Double(k * k) / (2 * sigma * sigma))
            weights.append(k == 0 ? w : 2 * w)
        }
        let total = weights.reduce(0, +)
        var cumulative = 0.0
        var table: [UInt64] = []
        for w in weights.dropLast() {
            cumulative += w / total
            table.append(UInt64(cumulative * 0x1p63))
        }
        return table  // 19 thresholds; the magnitude is the number of thresholds ≤ u
    }()

    /// N draws of the error distribution into `out`. Constant-time in the value: every
    /// threshold is compared for every draw.
    public static func gaussian(into out: UnsafeMutablePointer<Int64>, count: Int, rng: inout ChaCha20Generator) {
        magnitudeCDT.withUnsafeBufferPointer { cdt in
            let table = cdt.baseAddress!, size = cdt.count
            for j in 0..<count {
                let r = rng.next()
                let u = r & 0x7FFF_FFFF_FFFF_FFFF
                var magnitude: Int64 = 0
                // u ≥ T[k] ⇔ T[k] − 1 − u < 0 (all values below 2^63): add the sign bit, no branch.
                for k in 0..<size { magnitude &-= Int64(bitPattern: table[k] &- 1 &- u) >> 63 }
                let negative = Int64(bitPattern: r >> 63)  // 0 or 1
                out[j] = (magnitude ^ (0 &- negative)) &+ negative
            }
        }
    }

    /// N uniform draws from {−1, 0, 1} (two random bits each, rejecting the fourth value).
    public static func ternary(into out: UnsafeMutablePointer<Int64>, count: Int, rng: inout ChaCha20Generator) {
        var word: UInt64 = 0, bitsLeft = 0, j = 0
        while j < count {
            if bitsLeft == 0 { word = rng.next(); bitsLeft = 64 }
            let v = word & 3
            word >>= 2
            bitsLeft -= 2
            if v == 3 { continue }
            out[j] = Int64(v) - 1
            j += 1
        }
    }

    /// Uniform residues mod q for each limb (rejection sampling on the bit width of q).
    public static func uniform(into p: inout RNSPolynomial, moduli: [Modulus], rng: inout ChaCha20Generator) {
        let n = p.degree
        p.residues.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<p.limbCount {
                let q = moduli[i].value
                let mask: UInt64 = (UInt64(1) << (64 - q.leadingZeroBitCount)) - 1
                let x = buffer.baseAddress! + i * n
                var j = 0
                while j < n {
                    let v = rng.next() & mask
                    if v < q { x[j] = v; j += 1 }
                }
            }
        }
    }

    /// Uniform integers in [−2^(bits−1), 2^(bits−1)) written as residues in every limb of `p`
    /// (coefficient form); used for smudging noise. `bits` may exceed 64 (up to `maximumWideBits`).
    public static func uniformWide(into p: inout RNSPolynomial, bits: Int, moduli: [Modulus], rng: inout ChaCha20Generator) {
        precondition(bits >= 1 && bits <= maximumWideBits)
        let n = p.degree
        // Three little-endian words per coefficient, the bits above `bits` cleared.
        var words = [UInt64](repeating: 0, count: 3 * n)
        let full = bits / 64, partial = bits % 64
        for j in 0..<n {
            for w in 0..<full { words[3 * j + w] = rng.next() }
            if partial > 0 { words[3 * j + full] = rng.next() & ((UInt64(1) << UInt64(partial)) - 1) }
        }
        p.isNTTForm = false
        p.residues.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<p.limbCount {
                let m = moduli[i]
                let offset = m.power(2, UInt64(bits - 1))  // 2^(bits−1) mod q, subtracted to centre the range
                let x = buffer.baseAddress! + i * n
                for j in 0..<n {
                    let high = m.reduce(wideHigh: words[3 * j + 2], low: words[3 * j + 1])
                    x[j] = m.subtract(m.reduce(wideHigh: high, low: words[3 * j]), offset)
                }
            }
        }
    }

    /// The widest smudging `uniformWide` draws: 190 bits (three 64-bit words). BFV at N = 8192
    /// (a 179-bit Q) needs more than 126 once its c1 is compressed.
    public static let maximumWideBits = 190
}
