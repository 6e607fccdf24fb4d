import XCTest
import Foundation
import Randomness
@testable import DifferentialPrivacy

final class PoissonSamplingTests: XCTestCase {
    /// Upper 0.1% point of χ²(k) by Wilson–Hilferty (z₀.₉₉₉ = 3.0902).
    private static func chiSquareCritical(_ k: Int) -> Double {
        let a = 2 / (9 * Double(k))
        return Double(k) * pow(1 - a + 3.0902 * a.squareRoot(), 3)
    }

    /// Every index is included with frequency q: Σ (cᵢ − Tq)² / (Tq(1 − q)) ~ χ²(n).
    func testInclusionFrequencyPerIndexIsRate() {
        var g = RandomStreams(seed: 21).generator("sampling")
        for (n, q) in [(50, 0.3), (200, 0.02)] {
            let trials = 20_000
            var counts = [Double](repeating: 0, count: n)
            for _ in 0..<trials {
                let batch = PoissonSampling.sample(populationSize: n, rate: q, using: &g)
                XCTAssertEqual(batch, batch.sorted())
                XCTAssertEqual(Set(batch).count, batch.count)
                for i in batch { counts[i] += 1 }
            }
            let expected = Double(trials) * q
            let chi2 = counts.reduce(0) { $0 + ($1 - expected) * ($1 - expected) } / (expected * (1 - q))
            XCTAssertLessThan(chi2, Self.chiSquareCritical(n), "n \(n), q \(q)")
        }
    }

    /// Batch sizes follow Binomial(n, q): Pearson χ² over sizes, tail bins pooled to expected ≥ 5.
    func testBatchSizeDistributionIsBinomial() {
        var g = RandomStreams(seed: 22).generator("sampling")
        let n = 60, q = 0.1, trials = 20_000
        var observed = [Double](repeating: 0, count: n + 1)
        for _ in 0..<trials { observed[PoissonSampling.sample(populationSize: n, rate: q, using: &g).count] += 1 }
        // pmf from log-gamma, independent of the sampler.
        let pmf: [Double] = (0...n).map { k in
            let logChoose: Double = lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
            let logPower: Double = Double(k) * log(q) + Double(n - k) * log1p(-q)
            return exp(logChoose + logPower)
        }
        XCTAssertEqual(pmf.reduce(0, +), 1, accuracy: 1e-12)
        var bins: [(observed: Double, expected: Double)] = []
        var pending = (observed: 0.0, expected: 0.0)
        for k in 0...n {
            pending.observed += observed[k]
            pending.expected += pmf[k] * Double(trials)
            if pending.expected >= 5 { bins.append(pending); pending = (0, 0) }
        }
        bins[bins.count - 1].observed += pending.observed
        bins[bins.count - 1].expected += pending.expected
        let chi2 = bins.reduce(0) { $0 + ($1.observed - $1.expected) * ($1.observed - $1.expected) / $1.expected }
        XCTAssertLessThan(chi2, Self.chiSquareCritical(bins.count - 1), "χ² = \(chi2) over \(bins.count) bins")
    }

    /// The DP-SGD setting: n = 60,000, q = 256/60,000 has mean batch size 256.
    func testMeanBatchSizeAtMNISTRate() {
        var g = RandomStreams(seed: 23).generator("sampling")
        let n = 60_000, q = 256.0 / 60_000, trials = 400
        let sizes = (0..<trials).map { _ in Double(PoissonSampling.sample(populationSize: n, rate: q, using: &g).count) }
        let mean = sizes.reduce(0, +) / Double(trials)
        let sd = (Double(n) * q * (1 - q)).squareRoot()
        XCTAssertLessThan(abs(mean - 256), 5 * sd / Double(trials).squareRoot())
        let variance = sizes.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(trials - 1)
        XCTAssertEqual(variance, sd * sd, accuracy: 0.35 * sd * sd)  // sampling sd of s² ≈ 7% at T = 400
    }

    /// q = 0 gives nothing and q = 1 everything, without reading the generator; n = 0 gives [].
    func testRateZeroAndOneEdgeCases() {
        var g = RandomStreams(seed: 24).generator("sampling")
        var untouched = g
        XCTAssertEqual(PoissonSampling.sample(populationSize: 1_000, rate: 0, using: &g), [])
        XCTAssertEqual(PoissonSampling.sample(populationSize: 6, rate: 1, using: &g), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(PoissonSampling.sample(populationSize: 0, rate: 0.5, using: &g), [])
        XCTAssertEqual(g.next(), untouched.next())
        // A rate just below 1 includes essentially everything and never runs past the end.
        let almostAll = PoissonSampling.sample(populationSize: 1_000, rate: 1 - 1e-12, using: &g)
        XCTAssertEqual(almostAll, Array(0..<1_000))
    }
}
