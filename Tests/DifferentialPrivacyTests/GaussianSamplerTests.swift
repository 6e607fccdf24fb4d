import XCTest
import Foundation
import Randomness
@testable import DifferentialPrivacy

final class GaussianSamplerTests: XCTestCase {
    private static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// KS statistic of `sample` against `cdf`.
    private static func kolmogorovSmirnov(_ sample: [Double], _ cdf: (Double) -> Double) -> Double {
        let sorted = sample.sorted()
        let n = Double(sorted.count)
        var statistic = 0.0
        for (i, x) in sorted.enumerated() {
            let c = cdf(x)
            statistic = max(statistic, Double(i + 1) / n - c, c - Double(i) / n)
        }
        return statistic
    }

    func testEightLaneKeystreamMatchesChaCha20GeneratorWordForWord() {
        var keySource = RandomStreams(seed: 5).generator("keys")
        for nonce: UInt64 in [0, 1, 2, 0xDEAD_BEEF_0000_0001] {
            let key = keySource.bytes(32)
            var reference = ChaCha20Generator(key: key, nonce: nonce)
            EightLaneKeystreamReader.withReader(key: key, nonce: nonce) { reader in
                for i in 0..<300 {  // crosses four refills of 64 words
                    let expected = reference.next()
                    let got = reader.nextWord()
                    if got != expected { XCTFail("nonce \(nonce), word \(i): \(got) ≠ \(expected)"); return }
                }
            }
        }
    }

    /// The bisected r and v agree with Marsaglia & Tsang (2000), 256-layer constants, and every
    /// layer has area v.
    func testZigguratTablesMatchPublishedConstantsAndHaveEqualLayerAreas() {
        let t = ZigguratTables.shared
        XCTAssertEqual(t.r, 3.6541528853610088, accuracy: 1e-9)
        XCTAssertEqual(t.v, 4.92867323399e-3, accuracy: 1e-13)
        XCTAssertEqual(t.x.count, 257)
        XCTAssertEqual(t.x[1], t.r)
        XCTAssertEqual(t.x[256], 0)
        XCTAssertEqual(t.x[0] * t.f[0], t.v, accuracy: 1e-15)  // base layer: width-equivalent × f(r)
        for i in 1..<256 {
            let area = t.x[i] * (t.f[i + 1] - t.f[i])
            XCTAssertEqual(area, t.v, accuracy: 1e-12 * t.v, "layer \(i)")
            XCTAssertGreaterThan(t.x[i], t.x[i + 1])
        }
        // Tail mass beyond r from erfc, independent of the table recursion.
        XCTAssertEqual(t.v - t.r * exp(-0.5 * t.r * t.r), (Double.pi / 2).squareRoot() * erfc(t.r / 2.0.squareRoot()),
                       accuracy: 1e-16)
    }

    func testThreadCountDoesNotChangeDraws() {
        let count = 40_001  // odd, above the parallel threshold
        var g1 = RandomStreams(seed: 11).generator("noise"), g2 = g1
        var a = [Float](repeating: 0, count: count), b = a
        GaussianSampler.fill(&a, standardDeviation: 2, threads: 1, using: &g1)
        GaussianSampler.fill(&b, standardDeviation: 2, threads: 2, using: &g2)
        XCTAssertEqual(a, b)
        var v1 = (0..<count).map { Float($0) * 1e-3 }, v2 = v1
        GaussianSampler.addNoise(to: &v1, standardDeviation: 0.5, threads: 1, using: &g1)
        GaussianSampler.addNoise(to: &v2, standardDeviation: 0.5, threads: 2, using: &g2)
        XCTAssertEqual(v1, v2)
        XCTAssertEqual(GaussianSampler.samples(count: count, standardDeviation: 1, threads: 1, using: &g1),
                       GaussianSampler.samples(count: count, standardDeviation: 1, threads: 2, using: &g2))
        XCTAssertEqual(g1.next(), g2.next())
    }

    /// A bulk call reads exactly one 32-byte key (4 words) from the caller's generator, whatever
    /// the length, and replays from the same seed.
    func testBulkDrawsAreDeterministicAndConsumeAFixedKey() {
        for count in [0, 1, 7, 100_000] {
            var g = RandomStreams(seed: 12).generator("noise"), replay = g, advanced = g
            let first = GaussianSampler.samples(count: count, standardDeviation: 1, using: &g)
            XCTAssertEqual(first, GaussianSampler.samples(count: count, standardDeviation: 1, using: &replay))
            for _ in 0..<4 { _ = advanced.next() }
            XCTAssertEqual(g.next(), advanced.next(), "count \(count)")
        }
    }

    /// `addNoise` adds the very draws `fill` writes; the halves come from distinct sub-streams.
    func testAddNoiseAddsTheDrawsOfFillAndHalvesDiffer() {
        let count = 1_001
        var g1 = RandomStreams(seed: 13).generator("noise"), g2 = g1
        let z = GaussianSampler.samples(count: count, standardDeviation: 1.5, using: &g1)
        var v = (0..<count).map { Float($0) }
        GaussianSampler.addNoise(to: &v, standardDeviation: 1.5, using: &g2)
        for i in 0..<count { XCTAssertEqual(v[i], Float(Double(i) + z[i])) }
        let mid = GaussianSampler.half(1, count: count).lowerBound
        XCTAssertEqual(mid, 501)
        XCTAssertNotEqual(Array(z[0..<8]), Array(z[mid..<(mid + 8)]))
    }

    /// KS and moments of the bulk path (Float, 2 threads) and of the scalar `standardNormal`.
    func testBulkAndScalarDrawsPassKolmogorovSmirnovAndMoments() {
        var g = RandomStreams(seed: 14).generator("noise")
        var buffer = [Float](repeating: 0, count: 200_000)
        GaussianSampler.fill(&buffer, standardDeviation: 1, threads: 2, using: &g)
        let bulk = buffer.map(Double.init)
        let scalar = (0..<50_000).map { _ in GaussianSampler.standardNormal(using: &g) }
        for z in [bulk, scalar] {
            let n = Double(z.count)
            XCTAssertLessThan(Self.kolmogorovSmirnov(z, Self.normalCDF), 1.95 / n.squareRoot())
            let mean = z.reduce(0, +) / n
            let m2 = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
            let m4 = z.reduce(0) { $0 + pow($1 - mean, 4) } / n
            XCTAssertLessThan(abs(mean), 5 / n.squareRoot())
            XCTAssertLessThan(abs(m2 - 1), 5 * (2 / n).squareRoot())
            XCTAssertLessThan(abs(m4 / (m2 * m2) - 3), 5 * (24 / n).squareRoot())
        }
    }

    /// Frequencies beyond 3σ, 4σ and r (the tail algorithm's domain) match 2(1 − Φ) within five
    /// binomial standard errors, and the draws beyond r follow the conditional normal tail (KS).
    func testTailFrequenciesAndTailShape() {
        let n = 2_000_000
        var g = RandomStreams(seed: 15).generator("noise")
        let z = GaussianSampler.samples(count: n, standardDeviation: 1, using: &g)
        let r = ZigguratTables.shared.r
        for threshold in [3.0, 4.0, r] {
            let p = erfc(threshold / 2.0.squareRoot())
            let observed = Double(z.reduce(0) { $0 + (abs($1) > threshold ? 1 : 0) })
            let sd = (Double(n) * p * (1 - p)).squareRoot()
            XCTAssertLessThan(abs(observed - Double(n) * p), 5 * sd, "beyond \(threshold)")
        }
        let tail = z.map(abs).filter { $0 > r }
        let tailMass = erfc(r / 2.0.squareRoot())
        let statistic = Self.kolmogorovSmirnov(tail) { 1 - erfc($0 / 2.0.squareRoot()) / tailMass }
        XCTAssertLessThan(statistic, 1.95 / Double(tail.count).squareRoot())
        // Both signs in the tail.
        XCTAssertTrue(z.contains { $0 < -r } && z.contains { $0 > r })
    }

    /// Throughput, printed only with PRIVFED_BENCH=1 (no timed assertions).
    func testBenchmarkGaussianFillAndPoissonSampling() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["PRIVFED_BENCH"] == "1", "set PRIVFED_BENCH=1")
        for threads in [1, 2] {
            print("GaussianSampler.fill [Float] threads \(threads):", DPSGDBenchmark.gaussianFill(threads: threads))
        }
        print("PoissonSampling n = 60000, q = 256/60000:", DPSGDBenchmark.poissonSampling())
    }
}

extension GaussianSamplerTests {
    /// The fused noise-and-scale pass of DP-SGD gives the bits of adding noise, then scaling.
    func testFusedNoiseAndScaleEqualsAddThenScale() {
        var base = [Float](repeating: 0, count: 40_000)
        for i in base.indices { base[i] = Float(i % 97) * 0.01 - 0.3 }
        var separate = base, fused = base
        var g1 = ChaCha20Generator(key: [UInt8](repeating: 3, count: 32))
        var g2 = ChaCha20Generator(key: [UInt8](repeating: 3, count: 32))
        GaussianSampler.addNoise(to: &separate, standardDeviation: 1.7, using: &g1)
        for i in separate.indices { separate[i] *= 1 / 256 }
        GaussianSampler.addNoise(to: &fused, standardDeviation: 1.7, thenScaleBy: 1 / 256, using: &g2)
        XCTAssertEqual(separate, fused)
    }
}
