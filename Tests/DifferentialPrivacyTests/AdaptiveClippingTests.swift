import XCTest
@testable import DifferentialPrivacy
import Randomness

/// Adaptive clipping (Andrew et al. 2021) checked against what it claims, each by a second route:
/// the clip tracks the target quantile of a norm distribution (found by sorting), the noisy
/// fraction has the mean and spread its formula gives, and the split of σ between the update and
/// the count composes back to σ under Rényi DP.
final class AdaptiveClippingTests: XCTestCase {
    /// With negligible count noise and a fixed population of norms, the geometric update settles
    /// where the fraction of norms ≤ C is γ: the empirical γ-quantile, found by sorting.
    func testClipSettlesAtTheTargetQuantileOfTheNorms() {
        var g = ChaCha20Generator(key: [UInt8](repeating: 7, count: 32))
        // Log-normal norms spread over two orders of magnitude, 400 clients.
        let norms = (0..<400).map { _ in exp(1.2 * GaussianSampler.standardNormal(using: &g)) }
        for gamma in [0.3, 0.5, 0.8] {
            let adaptive = AdaptiveClipping(targetQuantile: gamma, learningRate: 0.2, countStandardDeviation: 1e-9)
            var clip = 0.01   // far below every quantile: the clip must climb to it
            for _ in 0..<400 {
                let unclipped = norms.filter { $0 <= clip }.count
                let fraction = adaptive.noisyUnclippedFraction(unclipped: unclipped, reported: norms.count, expectedCohort: norms.count, using: &g)
                clip = adaptive.nextClip(after: clip, unclippedFraction: fraction)
            }
            let sorted = norms.sorted()
            let below = sorted[Int(Double(norms.count) * gamma) - 8], above = sorted[Int(Double(norms.count) * gamma) + 8]
            XCTAssertTrue(clip >= below && clip <= above, "γ = \(gamma): C = \(clip), the quantile lies in [\(below), \(above)]")
        }
    }

    /// b̄ = (Σ(b_i − ½) + N(0, σ_b²))/m + ½: over many draws its mean is the true fraction (when the
    /// cohort is m) and its standard deviation σ_b/m.
    func testNoisyFractionIsUnbiasedWithTheStatedSpread() {
        let adaptive = AdaptiveClipping(targetQuantile: 0.5, learningRate: 0.2, countStandardDeviation: 5)
        var g = ChaCha20Generator(key: [UInt8](repeating: 9, count: 32))
        let draws = (0..<20_000).map { _ in adaptive.noisyUnclippedFraction(unclipped: 30, reported: 100, expectedCohort: 100, using: &g) }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let sd = (draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count - 1)).squareRoot()
        XCTAssertEqual(mean, 0.30, accuracy: 4 * 0.05 / Double(draws.count).squareRoot())
        XCTAssertEqual(sd, 0.05, accuracy: 0.002)
    }

    /// Theorem 1 of Andrew et al.: the update at (sensitivity 1, noise σ_Δ) and the centred count at
    /// (sensitivity ½, noise σ_b) compose to a Gaussian of multiplier σ. Under RDP a Gaussian of
    /// sensitivity s and noise z costs α s²/(2z²) at every order α, so the two costs must add up
    /// to the one of σ — checked with the accountant's own Gaussian RDP, not the closed form.
    func testUpdateAndCountNoiseComposeToTheAccountedSigma() throws {
        for (sigma, countStd) in [(1.1, 25.0), (3.0, 2.0), (0.8, 0.5)] {
            let adaptive = AdaptiveClipping(targetQuantile: 0.5, learningRate: 0.2, countStandardDeviation: countStd)
            let sigmaUpdate = try XCTUnwrap(adaptive.updateNoiseMultiplier(accounted: sigma))
            XCTAssertGreaterThan(sigmaUpdate, sigma)
            for alpha in [2.0, 8.0, 32.0] {
                let update = SubsampledGaussianRDP.rdp(samplingRate: 1, noiseMultiplier: sigmaUpdate, order: alpha)
                // The count's sensitivity ½ at noise σ_b is sensitivity 1 at noise 2σ_b.
                let count = SubsampledGaussianRDP.rdp(samplingRate: 1, noiseMultiplier: 2 * countStd, order: alpha)
                let whole = SubsampledGaussianRDP.rdp(samplingRate: 1, noiseMultiplier: sigma, order: alpha)
                XCTAssertEqual(update + count, whole, accuracy: 1e-9 * whole, "σ = \(sigma), σ_b = \(countStd), α = \(alpha)")
            }
        }
        // 2σ_b ≤ σ leaves nothing for the update: refused.
        XCTAssertNil(AdaptiveClipping(targetQuantile: 0.5, learningRate: 0.2, countStandardDeviation: 1).updateNoiseMultiplier(accounted: 2))
    }
}
