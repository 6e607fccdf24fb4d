import Dispatch
import ParallelWork
import Randomness

/// Gaussian noise N(0, σ²) drawn from the ChaCha20 keystream (a CSPRNG), in bulk.
///
/// Method: the ziggurat with 256 layers and the exact tail algorithm (`ZigguratTables`;
/// Marsaglia & Tsang 2000), fed by an eight-lane SIMD ChaCha20 keystream (`Randomness.ChaCha20Keystream`).
/// The fast path (98.8% of draws) is one keystream word, a table lookup, a multiply and a
/// compare; no libm call is on it (exp in the wedge test and log in the tail run on the rest).
///
/// Streams and threads (reproducibility, DESIGN.md): a bulk call takes one fresh 32-byte key K
/// from the caller's generator (exactly 4 words, whatever the length), splits the buffer into
/// two fixed halves [0, ⌈n/2⌉) and [⌈n/2⌉, n), and fills half h from ChaCha20(K, nonce h + 1)
/// from its start. The values are therefore a function of (key, stream position, length) only:
/// `threads: 1` fills both halves in turn, `threads: 2` at once, with identical bytes. Rejection
/// makes a half's keystream use vary, but each half owns its stream, so that never shifts the
/// other half nor the caller's generator.
///
/// Floating-point caveats (Mironov 2012, "On significance of the least significant bits for
/// differential privacy", which concerns Laplace; Jin et al. 2022, "Are we there yet? Timing and
/// floating-point attacks on differential privacy systems"):
/// - outputs lie on a finite irregular lattice (53-bit uniforms times table widths, then × σ),
///   so the set of reachable noisy values can depend on the secret input; the (ε, δ) of the
///   analysis is for real-valued noise — the accepted practice of DP-SGD libraries (Opacus,
///   TF Privacy), not a proof for floats; a discrete Gaussian (Canonne, Kamath, Steinke 2020)
///   would be;
/// - the tail beyond r ≈ 3.654 is sampled exactly up to the largest value −ln(2⁻⁵³)/r + r ≈ 13.7
///   per attempt, so the only truncation is at probability far below 1e-40;
/// - the tables and the rare exp/log come from the platform's libm, so bytes are reproducible on
///   one platform and libm version; the fast path uses only IEEE multiply and compare;
/// - the rejection branches (1.2% of draws) take longer, so the time of a fill depends weakly on
///   the noise; only the noisy sum is released, and the count of slow draws in a fill of 10⁵ is
///   Binomial with no relation to the data.
public enum GaussianSampler {
    /// Below this length a bulk call runs on one thread (same bytes; the thread hop costs more).
    static let parallelThreshold = 16_384

    /// One standard normal draw, the ziggurat on the generator's own words: usually one word,
    /// more when the draw is rejected (a deterministic function of the generator's position).
    public static func standardNormal(using generator: inout ChaCha20Generator) -> Double {
        let tables = ZigguratTables.shared
        return tables.x.withUnsafeBufferPointer { x in
            tables.f.withUnsafeBufferPointer { f in
                ZigguratTables.standardNormal(&generator, x: x.baseAddress!, f: f.baseAddress!, r: tables.r)
            }
        }
    }

    /// Fills `buffer` with independent N(0, `standardDeviation`²) draws.
    /// - Parameter threads: 1, or 2 or more for two workers; the bytes do not depend on it.
    public static func fill(_ buffer: inout [Double], standardDeviation: Double, threads: Int = 2,
                            using generator: inout ChaCha20Generator) {
        buffer.withUnsafeMutableBufferPointer { out in
            generate(DoubleStoreSink(out: out.baseAddress, sigma: standardDeviation), count: out.count,
                     threads: threads, using: &generator)
        }
    }

    /// Fills `buffer` with independent N(0, `standardDeviation`²) draws, computed in Double and
    /// rounded once to Float.
    public static func fill(_ buffer: inout [Float], standardDeviation: Double, threads: Int = 2,
                            using generator: inout ChaCha20Generator) {
        buffer.withUnsafeMutableBufferPointer { out in
            generate(FloatStoreSink(out: out.baseAddress, sigma: standardDeviation), count: out.count,
                     threads: threads, using: &generator)
        }
    }

    /// Adds independent N(0, `standardDeviation`²) noise to every element of `vector`
    /// (the sum in Double, rounded once to Float). Same draws as `fill` of the same length.
    public static func addNoise(to vector: inout [Float], standardDeviation: Double, threads: Int = 2,
                                using generator: inout ChaCha20Generator) {
        vector.withUnsafeMutableBufferPointer { out in
            generate(FloatAddSink(out: out.baseAddress, sigma: standardDeviation), count: out.count,
                     threads: threads, using: &generator)
        }
    }

    /// Adds the draws of `addNoise(to:standardDeviation:threads:using:)` and multiplies each
    /// coordinate by `scale`, in one pass over the vector: DP-SGD's "noisy sum / expected batch
    /// size" without a second pass. Same bits as `addNoise` followed by `vector[i] *= scale`.
    public static func addNoise(to vector: inout [Float], standardDeviation: Double, thenScaleBy scale: Float, threads: Int = 2,
                                using generator: inout ChaCha20Generator) {
        vector.withUnsafeMutableBufferPointer { out in
            generate(FloatAddScaleSink(out: out.baseAddress, sigma: standardDeviation, scale: scale), count: out.count,
                     threads: threads, using: &generator)
        }
    }

    /// `count` independent N(0, `standardDeviation`²) draws.
    public static func samples(count: Int, standardDeviation: Double, threads: Int = 2,
                               using generator: inout ChaCha20Generator) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        fill(&out, standardDeviation: standardDeviation, threads: threads, using: &generator)
        return out
    }

    /// The fixed half of 0..<count that sub-stream `h` (0 or 1) fills.
    static func half(_ h: Int, count: Int) -> Range<Int> {
        let mid = (count + 1) / 2
        return h == 0 ? 0..<mid : mid..<count
    }

    private static func generate<Sink: NoiseSink>(_ sink: Sink, count: Int, threads: Int,
                                                  using generator: inout ChaCha20Generator) {
        precondition(count >= 0)
        precondition(threads >= 1, "threads must be at least 1")
        let key = generator.bytes(32)
        if threads >= 2 && count >= parallelThreshold {
            WorkerPool.run(parts: 2) { h in
                fillHalf(h, of: count, key: key, sink: sink)
            }
        } else {
            for h in 0..<2 { fillHalf(h, of: count, key: key, sink: sink) }
        }
    }

    private static func fillHalf<Sink: NoiseSink>(_ h: Int, of count: Int, key: [UInt8], sink: Sink) {
        let range = half(h, count: count)
        if range.isEmpty { return }
        let tables = ZigguratTables.shared
        let r = tables.r
        tables.x.withUnsafeBufferPointer { x in
            tables.f.withUnsafeBufferPointer { f in
                let xp = x.baseAddress!, fp = f.baseAddress!
                EightLaneKeystreamReader.withReader(key: key, nonce: UInt64(h + 1)) { reader in
                    for i in range {
                        sink.store(i, ZigguratTables.standardNormal(&reader, x: xp, f: fp, r: r))
                    }
                }
            }
        }
    }
}

/// Where the bulk sampler writes draw i: the three buffer kinds, specialised statically.
/// Workers write disjoint halves, hence `@unchecked Sendable`.
protocol NoiseSink: Sendable {
    func store(_ i: Int, _ z: Double)
}

/// `out[i] = σ·z`
struct DoubleStoreSink: NoiseSink, @unchecked Sendable {
    let out: UnsafeMutablePointer<Double>?
    let sigma: Double
    @inline(__always) func store(_ i: Int, _ z: Double) { out![i] = sigma * z }
}

/// `out[i] = Float(σ·z)`
struct FloatStoreSink: NoiseSink, @unchecked Sendable {
    let out: UnsafeMutablePointer<Float>?
    let sigma: Double
    @inline(__always) func store(_ i: Int, _ z: Double) { out![i] = Float(sigma * z) }
}

/// `out[i] = Float(Double(out[i]) + σ·z) · scale` (Float multiply): the bits of `addNoise`
/// followed by a separate scaling pass, in one pass split over the sampler's two halves.
struct FloatAddScaleSink: NoiseSink, @unchecked Sendable {
    let out: UnsafeMutablePointer<Float>?
    let sigma: Double
    let scale: Float
    @inline(__always) func store(_ i: Int, _ z: Double) { out![i] = Float(Double(out![i]) + sigma * z) * scale }
}

/// `out[i] = Float(Double(out[i]) + σ·z)`
struct FloatAddSink: NoiseSink, @unchecked Sendable {
    let out: UnsafeMutablePointer<Float>?
    let sigma: Double
    @inline(__always) func store(_ i: Int, _ z: Double) { out![i] = Float(Double(out![i]) + sigma * z) }
}
