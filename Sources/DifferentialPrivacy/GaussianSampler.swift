import Foundation
import Randomness

/// Gaussian noise N(0, σ²) drawn from a `ChaCha20Generator` (a CSPRNG), in bulk.
///
/// Method: Box–Muller (Box & Muller 1958): for independent u₁ ∈ (0, 1], u₂ ∈ [0, 1),
/// √(−2 ln u₁)·(cos 2πu₂, sin 2πu₂) are two independent standard normals. Chosen over the
/// Marsaglia polar method because it consumes exactly two 64-bit words per pair — no rejection
/// loop, so the work per draw is constant (no timing dependence on the random values) and a
/// buffer's consumption of the stream is a fixed function of its length (what reproducible
/// mode needs) — and it vectorises over a block of pre-generated words.
///
/// Each uniform carries 53 random bits (the top bits of one keystream word), u₁ = (k + 1)·2⁻⁵³.
///
/// Known floating-point caveats (Mironov 2012, "On significance of the least significant bits
/// for differential privacy"; Jin et al. 2022, "Are we there yet? Timing and floating-point
/// attacks on differential privacy systems"):
/// - the output takes finitely many values on an irregular lattice, so the set of reachable
///   noisy results can depend on the secret input; the (ε, δ) of the analysis is for real-valued
///   noise. For gradients that are further averaged, quantised or encrypted this is the accepted
///   practice of DP-SGD libraries (Opacus, TF Privacy), but it is not a proof for floats;
///   a discrete Gaussian (Canonne, Kamath, Steinke 2020) would be;
/// - the largest magnitude is √(−2 ln 2⁻⁵³) ≈ 8.57σ: the tail beyond (mass ≈ 1e-17) is cut, far
///   below any δ in use;
/// - `log`, `cos`, `sin` come from the platform's libm, so bytes are reproducible on one
///   platform and libm version, not across them.
public enum GaussianSampler {
    /// Pairs of keystream words generated per block.
    static let blockPairs = 512

    /// One standard normal draw (the second of the Box–Muller pair is discarded; use `fill` for
    /// many draws).
    public static func standardNormal(using generator: inout ChaCha20Generator) -> Double {
        pair(generator.next(), generator.next()).0
    }

    /// Fills `buffer` with independent N(0, `standardDeviation`²) draws.
    public static func fill(_ buffer: inout [Double], standardDeviation: Double, using generator: inout ChaCha20Generator) {
        generate(count: buffer.count, using: &generator) { i, z in buffer[i] = standardDeviation * z }
    }

    /// Fills `buffer` with independent N(0, `standardDeviation`²) draws, computed in Double and
    /// rounded once to Float.
    public static func fill(_ buffer: inout [Float], standardDeviation: Double, using generator: inout ChaCha20Generator) {
        generate(count: buffer.count, using: &generator) { i, z in buffer[i] = Float(standardDeviation * z) }
    }

    /// Adds independent N(0, `standardDeviation`²) noise to every element of `vector`.
    public static func addNoise(to vector: inout [Float], standardDeviation: Double, using generator: inout ChaCha20Generator) {
        generate(count: vector.count, using: &generator) { i, z in
            vector[i] = Float(Double(vector[i]) + standardDeviation * z)
        }
    }

    /// `count` independent N(0, `standardDeviation`²) draws.
    public static func samples(count: Int, standardDeviation: Double, using generator: inout ChaCha20Generator) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        fill(&out, standardDeviation: standardDeviation, using: &generator)
        return out
    }

    /// Box–Muller on two keystream words.
    @inline(__always)
    static func pair(_ a: UInt64, _ b: UInt64) -> (Double, Double) {
        let u1 = Double((a >> 11) + 1) * 0x1.0p-53  // (0, 1]
        let u2 = Double(b >> 11) * 0x1.0p-53        // [0, 1)
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        return (radius * cos(angle), radius * sin(angle))
    }

    /// Calls `store(i, z)` for i in 0..<count with standard normals z, reading the keystream
    /// in blocks of `blockPairs` pairs (two words per pair; an odd count discards one draw).
    private static func generate(count: Int, using generator: inout ChaCha20Generator, _ store: (Int, Double) -> Void) {
        precondition(count >= 0)
        var words = [UInt64](repeating: 0, count: 2 * blockPairs)
        var i = 0
        while i < count {
            let pairs = min(blockPairs, (count - i + 1) / 2)
            words.withUnsafeMutableBytes { raw in
                generator.fill(UnsafeMutableRawBufferPointer(rebasing: raw[0..<(16 * pairs)]))
            }
            for p in 0..<pairs {
                let (z0, z1) = pair(words[2 * p], words[2 * p + 1])
                store(i, z0)
                if i + 1 < count { store(i + 1, z1) }
                i += 2
            }
        }
    }
}
