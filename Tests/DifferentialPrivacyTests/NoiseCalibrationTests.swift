import XCTest
@testable import DifferentialPrivacy

final class NoiseCalibrationTests: XCTestCase {
    /// Calibrated σ meets the target, and 1% less noise does not: the smallest σ to tolerance.
    func testCalibratedNoiseIsSmallestMeetingTarget() throws {
        let cases: [(epsilon: Double, q: Double, steps: Int, accountant: AccountantKind)] = [
            (3.0, 256.0 / 60_000, 14_000, .rdp), (1.0, 0.01, 1000, .rdp), (8.0, 1.0, 10, .rdp),
            (3.0, 256.0 / 60_000, 2_000, .pld), (1.0, 0.1, 50, .pld),
        ]
        for c in cases {
            let sigma = try NoiseCalibration.noiseMultiplier(
                targetEpsilon: c.epsilon, delta: 1e-5, samplingRate: c.q, steps: c.steps, accountant: c.accountant)
            let history = [try SubsampledGaussianSteps(samplingRate: c.q, noiseMultiplier: sigma, steps: c.steps)]
            let smaller = [try SubsampledGaussianSteps(samplingRate: c.q, noiseMultiplier: sigma * 0.99, steps: c.steps)]
            let spend = try PrivacySpend(entries: history).epsilon(delta: 1e-5, accountant: c.accountant).epsilon
            let over = try PrivacySpend(entries: smaller).epsilon(delta: 1e-5, accountant: c.accountant).epsilon
            XCTAssertLessThanOrEqual(spend, c.epsilon, "\(c)")
            XCTAssertGreaterThan(over, c.epsilon, "\(c)")
        }
    }

    /// Under the same target the tight accountant allows less noise than RDP.
    func testTightAccountantNeedsLessNoise() throws {
        let rdp = try NoiseCalibration.noiseMultiplier(targetEpsilon: 2, delta: 1e-5, samplingRate: 0.01, steps: 3000, accountant: .rdp)
        let pld = try NoiseCalibration.noiseMultiplier(targetEpsilon: 2, delta: 1e-5, samplingRate: 0.01, steps: 3000, accountant: .pld)
        XCTAssertLessThan(pld, rdp)
    }

    func testInvalidTargetsAreTypedErrors() {
        XCTAssertThrowsError(try NoiseCalibration.noiseMultiplier(
            targetEpsilon: 0, delta: 1e-5, samplingRate: 0.01, steps: 10, accountant: .rdp)) {
            XCTAssertEqual($0 as? PrivacyAccountingError, .epsilonNotPositive(0))
        }
        XCTAssertThrowsError(try NoiseCalibration.noiseMultiplier(
            targetEpsilon: 1, delta: 0, samplingRate: 0.01, steps: 10, accountant: .rdp))
    }
}
