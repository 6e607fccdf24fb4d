import XCTest
@testable import DifferentialPrivacy

final class RDPAccountantTests: XCTestCase {
    /// All 420 grid points (q ∈ [1e-3, 1], σ ∈ [0.5, 5], steps ≤ 1e5, δ ∈ {1e-5, 1e-6}) against an
    /// independent quadrature of A_α converted by dp-accounting (AccountantReferenceValues.swift).
    func testEpsilonMatchesQuadratureReferenceOverWholeGrid() throws {
        let accountant = RDPAccountant()
        var worst = 0.0
        for (q, sigma, steps, delta, reference, referenceOrder) in rdpReference {
            let estimate = try accountant.estimate(samplingRate: q, noiseMultiplier: sigma, steps: steps, delta: delta)
            let relative = abs(estimate.epsilon - reference) / reference
            worst = max(worst, relative)
            XCTAssertLessThan(relative, 1e-4, "q=\(q) σ=\(sigma) T=\(steps) δ=\(delta): \(estimate.epsilon) vs \(reference)")
            if relative < 1e-9 { continue }
            XCTAssertEqual(estimate.bestOrder, referenceOrder, "q=\(q) σ=\(sigma) T=\(steps) δ=\(delta)")
        }
        print("RDP grid: worst relative difference \(worst) over \(rdpReference.count) points")
    }

    func testLogAMatchesQuadratureForIntegerAndFractionalOrders() {
        for (q, sigma, alpha, reference) in logAReference {
            let value = alpha == alpha.rounded()
                ? SubsampledGaussianRDP.logAInteger(q: q, sigma: sigma, alpha: Int(alpha))
                : SubsampledGaussianRDP.logAFractional(q: q, sigma: sigma, alpha: alpha)
            XCTAssertEqual(value, reference, accuracy: 1e-8 * abs(reference), "q=\(q) σ=\(sigma) α=\(alpha)")
        }
    }

    /// The two series of Sec. 3.3 and the binomial sum of Sec. 3.2 are different formulas for the
    /// same quantity at integer α.
    func testFractionalSeriesAgreesWithBinomialSumAtIntegerOrders() {
        for (q, sigma) in [(0.01, 1.0), (0.2, 0.7), (0.6, 2.0), (0.05, 4.0)] {
            for alpha in [2, 3, 7, 20] {
                let binomial = SubsampledGaussianRDP.logAInteger(q: q, sigma: sigma, alpha: alpha)
                let series = SubsampledGaussianRDP.logAFractional(q: q, sigma: sigma, alpha: Double(alpha))
                XCTAssertEqual(series, binomial, accuracy: 1e-9 * abs(binomial) + 1e-15, "q=\(q) σ=\(sigma) α=\(alpha)")
            }
        }
    }

    /// As q → 1 the subsampled mechanism becomes the Gaussian mechanism, RDP α/(2σ²).
    func testSamplingRateNearOneApproachesGaussianMechanism() {
        for sigma in [0.7, 1.3] {
            for alpha in [1.5, 4.0, 12.0] {
                let nearOne = SubsampledGaussianRDP.rdp(samplingRate: 1 - 1e-9, noiseMultiplier: sigma, order: alpha)
                XCTAssertEqual(nearOne, alpha / (2 * sigma * sigma), accuracy: 1e-6)
            }
        }
    }

    /// Opacus documentation (opacus.ai/api/compute_dp_sgd_privacy.html): sample rate 1%,
    /// noise multiplier 1.0, 300 steps, δ = 1e-5, orders {2, 5, 10, 20, 100} → ε = 2.39 at α = 5.
    func testMatchesOpacusDocumentedExample() throws {
        let accountant = RDPAccountant(orders: [2, 5, 10, 20, 100])
        let estimate = try accountant.estimate(samplingRate: 0.01, noiseMultiplier: 1.0, steps: 300, delta: 1e-5)
        XCTAssertEqual(estimate.epsilon, 2.39, accuracy: 0.005)
        XCTAssertEqual(estimate.bestOrder, 5)
    }

    func testHistoryInPiecesEqualsHistoryInOne() throws {
        var pieces = PrivacySpend()
        try pieces.record(samplingRate: 0.01, noiseMultiplier: 1.1, steps: 300)
        try pieces.record(samplingRate: 0.02, noiseMultiplier: 0.9, steps: 50)
        try pieces.record(samplingRate: 0.01, noiseMultiplier: 1.1, steps: 700)
        XCTAssertEqual(pieces.entries.count, 3)
        XCTAssertEqual(pieces.totalSteps, 1050)
        let reordered = try PrivacySpend(entries: [
            SubsampledGaussianSteps(samplingRate: 0.01, noiseMultiplier: 1.1, steps: 1000),
            SubsampledGaussianSteps(samplingRate: 0.02, noiseMultiplier: 0.9, steps: 50),
        ])
        for accountant in AccountantKind.allCases {
            let a = try pieces.epsilon(delta: 1e-5, accountant: accountant).epsilon
            let b = try reordered.epsilon(delta: 1e-5, accountant: accountant).epsilon
            XCTAssertEqual(a, b, accuracy: 1e-6 * b, "\(accountant)")
        }
        // Consecutive entries with the same (q, σ) merge.
        var merged = PrivacySpend()
        try merged.record(samplingRate: 0.01, noiseMultiplier: 1.1, steps: 3)
        try merged.record(samplingRate: 0.01, noiseMultiplier: 1.1, steps: 4)
        XCTAssertEqual(merged.entries, [try SubsampledGaussianSteps(samplingRate: 0.01, noiseMultiplier: 1.1, steps: 7)])
    }

    func testEpsilonGrowsWithStepsAndShrinksWithNoise() throws {
        let accountant = RDPAccountant()
        let base = try accountant.estimate(samplingRate: 0.01, noiseMultiplier: 1.0, steps: 1000, delta: 1e-5).epsilon
        let longer = try accountant.estimate(samplingRate: 0.01, noiseMultiplier: 1.0, steps: 2000, delta: 1e-5).epsilon
        let noisier = try accountant.estimate(samplingRate: 0.01, noiseMultiplier: 1.5, steps: 1000, delta: 1e-5).epsilon
        XCTAssertGreaterThan(longer, base)
        XCTAssertLessThan(noisier, base)
        XCTAssertEqual(try accountant.estimate([], delta: 1e-5).epsilon, 0)
    }

    func testInvalidParametersAreTypedErrors() {
        XCTAssertThrowsError(try SubsampledGaussianSteps(samplingRate: 0, noiseMultiplier: 1, steps: 1)) {
            XCTAssertEqual($0 as? PrivacyAccountingError, .samplingRateOutOfRange(0))
        }
        XCTAssertThrowsError(try SubsampledGaussianSteps(samplingRate: 0.1, noiseMultiplier: -1, steps: 1))
        XCTAssertThrowsError(try SubsampledGaussianSteps(samplingRate: 0.1, noiseMultiplier: 1, steps: -1))
        XCTAssertThrowsError(try RDPAccountant().estimate([], delta: 1)) {
            XCTAssertEqual($0 as? PrivacyAccountingError, .deltaOutOfRange(1))
        }
        XCTAssertThrowsError(try AccountantKind(name: "moments"))
        XCTAssertEqual(try AccountantKind(name: "PRV"), .pld)
    }
}
