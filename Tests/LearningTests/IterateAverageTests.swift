import XCTest
@testable import Learning

final class IterateAverageTests: XCTestCase {
    /// Bias correction: an average of copies of one vector is that vector, after any number of steps.
    func testAverageOfAConstantIterateIsThatIterate() {
        var average = IterateAverage(decay: 0.999, parameterCount: 3)
        XCTAssertNil(average.average)
        for t in 1...5 {
            average.add([1, -2, 0.5])
            let a = average.average!
            XCTAssertEqual(a[0], 1, accuracy: 1e-5, "after \(t)")
            XCTAssertEqual(a[1], -2, accuracy: 1e-5)
            XCTAssertEqual(a[2], 0.5, accuracy: 1e-5)
        }
    }

    /// Against the closed form Σ_s (1 − β)β^{t−s}θ_s / (1 − β^t) in Double.
    func testAverageMatchesTheClosedFormWeights() {
        var g = testGenerator("ema")
        let beta = 0.9
        let iterates = (0..<20).map { _ in uniformFloats(4, -1, 1, &g) }
        var average = IterateAverage(decay: Float(beta), parameterCount: 4)
        iterates.forEach { average.add($0) }
        let t = iterates.count
        for i in 0..<4 {
            var expected = 0.0
            for (s, theta) in iterates.enumerated() { expected += (1 - beta) * pow(beta, Double(t - 1 - s)) * Double(theta[i]) }
            expected /= 1 - pow(beta, Double(t))
            XCTAssertEqual(Double(average.average![i]), expected, accuracy: 1e-5)
        }
    }
}
