import XCTest
import Foundation
@testable import DifferentialPrivacy

final class PLDAccountantTests: XCTestCase {
    /// Every fourth of the 294 dp-accounting PLD reference points (the full grid runs when
    /// PRIVFED_FULL_GRID=1; it takes about a minute).
    func testEpsilonMatchesDPAccountingPLDOnGrid() throws {
        let full = ProcessInfo.processInfo.environment["PRIVFED_FULL_GRID"] == "1"
        let accountant = PLDAccountant()
        var worst = 0.0, slowest = 0.0
        for (i, (q, sigma, steps, delta, reference)) in pldReference.enumerated() where full || i % 4 == 0 {
            let start = Date()
            let estimate = try accountant.estimate(samplingRate: q, noiseMultiplier: sigma, steps: steps, delta: delta)
            slowest = max(slowest, Date().timeIntervalSince(start))
            let relative = abs(estimate.epsilon - reference) / reference
            worst = max(worst, relative)
            XCTAssertLessThan(relative, 5e-3, "q=\(q) σ=\(sigma) T=\(steps) δ=\(delta): \(estimate.epsilon) vs \(reference)")
            // The reported interval contains the reference (itself an upper bound, within its
            // own discretisation error of the truth).
            XCTAssertLessThanOrEqual(estimate.lowerBound!, reference * (1 + 1e-6))
        }
        print("PLD grid: worst relative difference \(worst), slowest \(slowest) s")
    }

    /// For q = 1, T Gaussian mechanisms compose to one with μ = √T/σ, whose exact curve is
    /// δ(ε) = Φ(−ε/μ + μ/2) − e^ε Φ(−ε/μ − μ/2) (Balle & Wang 2018, Thm 8; Dong, Roth, Su 2022).
    func testGaussianMechanismMatchesAnalyticCurve() throws {
        func exactEpsilon(mu: Double, delta: Double) -> Double {
            func curve(_ e: Double) -> Double {
                0.5 * erfc((e / mu - mu / 2) / 2.0.squareRoot()) - exp(e) * 0.5 * erfc((e / mu + mu / 2) / 2.0.squareRoot())
            }
            var lo = 0.0, hi = 200.0
            for _ in 0..<200 { let mid = (lo + hi) / 2; if curve(mid) > delta { lo = mid } else { hi = mid } }
            return hi
        }
        for (sigma, steps) in [(1.0, 1), (2.0, 10), (5.0, 1000), (0.8, 3)] {
            let exact = exactEpsilon(mu: Double(steps).squareRoot() / sigma, delta: 1e-5)
            let estimate = try PLDAccountant().estimate(samplingRate: 1, noiseMultiplier: sigma, steps: steps, delta: 1e-5)
            XCTAssertGreaterThanOrEqual(estimate.epsilon, exact * (1 - 1e-9), "σ=\(sigma) T=\(steps)")
            XCTAssertEqual(estimate.epsilon, exact, accuracy: 1e-4 * exact, "σ=\(sigma) T=\(steps)")
            XCTAssertLessThanOrEqual(estimate.lowerBound!, exact)
        }
    }

    /// The tight accountant never reports more than RDP (both are upper bounds; PLD is exact up
    /// to its discretisation), across a grid.
    func testNeverExceedsRDP() throws {
        for q in [1e-3, 0.02, 0.3, 1] {
            for sigma in [0.6, 1.0, 3.0] {
                for steps in [1, 100, 100_000] {
                    let rdp = try RDPAccountant().estimate(samplingRate: q, noiseMultiplier: sigma, steps: steps, delta: 1e-5)
                    if rdp.epsilon > 100 { continue }
                    let pld = try PLDAccountant().estimate(samplingRate: q, noiseMultiplier: sigma, steps: steps, delta: 1e-5)
                    XCTAssertLessThanOrEqual(pld.epsilon, rdp.epsilon, "q=\(q) σ=\(sigma) T=\(steps)")
                }
            }
        }
    }

    func testHundredThousandStepsAnswerWellUnderASecond() throws {
        let start = Date()
        let estimate = try PLDAccountant().estimate(samplingRate: 256.0 / 60_000, noiseMultiplier: 1.0, steps: 100_000, delta: 1e-5)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertLessThan(elapsed, 1.0)  // measured 0.1 s on an idle core
        XCTAssertLessThan(estimate.errorBound!, 0.25 * estimate.epsilon)
    }

    func testHeterogeneousHistoryLiesBetweenItsParts() throws {
        let a = try SubsampledGaussianSteps(samplingRate: 0.01, noiseMultiplier: 1.0, steps: 500)
        let b = try SubsampledGaussianSteps(samplingRate: 0.05, noiseMultiplier: 2.0, steps: 200)
        let accountant = PLDAccountant()
        let both = try accountant.estimate([a, b], delta: 1e-5).epsilon
        let onlyA = try accountant.estimate([a], delta: 1e-5).epsilon
        let onlyB = try accountant.estimate([b], delta: 1e-5).epsilon
        XCTAssertGreaterThan(both, max(onlyA, onlyB))
        XCTAssertLessThan(both, onlyA + onlyB)
        // And RDP, composed by a different route, bounds it.
        XCTAssertLessThanOrEqual(both, try RDPAccountant().estimate([a, b], delta: 1e-5).epsilon)
    }

    func testFFTMatchesNaiveDFT() {
        var generatorState: UInt64 = 0x9E3779B97F4A7C15
        func nextValue() -> Double {
            generatorState = generatorState &* 6364136223846793005 &+ 1442695040888963407
            return Double(generatorState >> 11) * 0x1.0p-53 - 0.5
        }
        for n in [1, 2, 8, 64] {
            let re = (0..<n).map { _ in nextValue() }, im = (0..<n).map { _ in nextValue() }
            var fr = re, fi = im
            FFT(size: n).forward(real: &fr, imaginary: &fi)
            for k in 0..<n {
                var sr = 0.0, si = 0.0
                for j in 0..<n {
                    let angle = -2 * Double.pi * Double(j * k) / Double(n)
                    sr += re[j] * cos(angle) - im[j] * sin(angle)
                    si += re[j] * sin(angle) + im[j] * cos(angle)
                }
                XCTAssertEqual(fr[k], sr, accuracy: 1e-12)
                XCTAssertEqual(fi[k], si, accuracy: 1e-12)
            }
            FFT(size: n).inverse(real: &fr, imaginary: &fi)
            for j in 0..<n {
                XCTAssertEqual(fr[j], re[j], accuracy: 1e-14)
                XCTAssertEqual(fi[j], im[j], accuracy: 1e-14)
            }
        }
    }

    /// The discretised PLD keeps all P-mass and never places more Q-mass than the continuous pair.
    func testDiscretisationPreservesMass() {
        for direction in NeighbourDirection.allCases {
            for (q, sigma) in [(0.01, 1.0), (1.0, 0.7), (0.5, 3.0)] {
                let loss = DiscretePrivacyLoss(samplingRate: q, noiseMultiplier: sigma, direction: direction, interval: 1e-3)
                let pMass = loss.masses.reduce(0, +) + loss.infinityMass
                XCTAssertEqual(pMass, 1, accuracy: 1e-12)
                var qMass = 0.0
                for (j, m) in loss.masses.enumerated() { qMass += m * exp(-Double(loss.firstIndex + j) * loss.interval) }
                XCTAssertLessThanOrEqual(qMass, 1 + 1e-12)
            }
        }
    }
}
