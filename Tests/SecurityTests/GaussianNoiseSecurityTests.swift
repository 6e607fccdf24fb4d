import XCTest
import Foundation
import Randomness
@testable import DifferentialPrivacy

/// The DP noise has the distribution the accountants assume: N(0, σ²), from the CSPRNG.
final class GaussianNoiseSecurityTests: XCTestCase {
    static let draws = 200_000

    private func standardNormals(stream: String = "security/gaussian") -> [Double] {
        var generator = RandomStreams(seed: 20_261_124).generator(stream)
        return GaussianSampler.samples(count: Self.draws, standardDeviation: 1, using: &generator)
    }

    private static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// Kolmogorov–Smirnov: sup |F_n − Φ| below the 0.1% critical value 1.95/√n.
    func testKolmogorovSmirnovAgainstNormalCDF() {
        let sorted = standardNormals().sorted()
        let n = Double(sorted.count)
        var statistic = 0.0
        for (i, x) in sorted.enumerated() {
            let cdf = Self.normalCDF(x)
            statistic = max(statistic, Double(i + 1) / n - cdf, cdf - Double(i) / n)
        }
        XCTAssertLessThan(statistic, 1.95 / n.squareRoot(), "KS statistic \(statistic)")
    }

    /// Anderson–Darling (fully specified null, weighted towards the tails): A² below the 0.1%
    /// critical value 5.97 (Stephens 1974, case 0).
    func testAndersonDarlingAgainstNormalCDF() {
        let sorted = standardNormals().sorted()
        let n = sorted.count
        var sum = 0.0
        for i in 0..<n {
            let lower = Self.normalCDF(sorted[i])
            let upperTail = 0.5 * erfc(sorted[n - 1 - i] / 2.0.squareRoot())  // 1 − Φ, accurate in the tail
            sum += Double(2 * i + 1) * (log(lower) + log(upperTail))
        }
        let a2 = -Double(n) - sum / Double(n)
        XCTAssertLessThan(a2, 5.97, "A² = \(a2)")
    }

    /// Mean 0, variance 1, excess kurtosis 0 within five standard errors; no lag-1 correlation
    /// (successive draws, which share a keystream, are independent).
    func testMomentsAndIndependence() {
        let z = standardNormals()
        let n = Double(z.count)
        let mean = z.reduce(0, +) / n
        var m2 = 0.0, m4 = 0.0, lag = 0.0
        for (i, x) in z.enumerated() {
            let d = x - mean
            m2 += d * d
            m4 += d * d * d * d
            if i > 0 { lag += (z[i - 1] - mean) * d }
        }
        m2 /= n
        m4 /= n
        XCTAssertLessThan(abs(mean), 5 / n.squareRoot())
        XCTAssertLessThan(abs(m2 - 1), 5 * (2 / n).squareRoot())
        XCTAssertLessThan(abs(m4 / (m2 * m2) - 3), 5 * (24 / n).squareRoot())
        XCTAssertLessThan(abs(lag / (n - 1) / m2), 5 / n.squareRoot())
    }

    /// The Float path scales by σ and its variance is σ².
    func testFloatBufferHasRequestedStandardDeviation() {
        var generator = RandomStreams(seed: 7).generator("security/gaussian-float")
        var buffer = [Float](repeating: 0, count: Self.draws)
        GaussianSampler.fill(&buffer, standardDeviation: 3, using: &generator)
        let n = Double(buffer.count)
        let mean = buffer.reduce(0.0) { $0 + Double($1) } / n
        let variance = buffer.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        XCTAssertLessThan(abs(mean), 5 * 3 / n.squareRoot())
        XCTAssertEqual(variance, 9, accuracy: 5 * 9 * (2 / n).squareRoot())
    }

    /// Reproducible mode replays the same noise; distinct streams give different noise.
    func testNoiseIsReproducibleFromSeedAndSeparatedByStream() {
        XCTAssertEqual(standardNormals(), standardNormals())
        XCTAssertNotEqual(Array(standardNormals().prefix(8)), Array(standardNormals(stream: "security/other").prefix(8)))
    }
}
