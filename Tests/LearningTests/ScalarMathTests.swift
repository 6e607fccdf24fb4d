import Foundation
import XCTest
@testable import Learning

final class ScalarMathTests: XCTestCase {
    func testExpIsWithinThreeUlpOfLibm() {
        var x: Float = -87
        while x < 88 {
            let reference = Foundation.exp(Double(x))
            let error = abs(Double(ScalarMath.exp(x)) - reference) / reference
            XCTAssertLessThan(error, 3 * 0x1p-24, "exp(\(x))")
            x += 0.0137
        }
    }

    func testTanhIsWithinFourUlpOfLibmAndOdd() {
        var x: Float = -12
        while x < 12 {
            let reference = Foundation.tanh(Double(x))
            let error = abs(Double(ScalarMath.tanh(x)) - reference)
            XCTAssertLessThanOrEqual(error, max(4 * 0x1p-24 * abs(reference), 1e-45), "tanh(\(x))")
            XCTAssertEqual(ScalarMath.tanh(-x), -ScalarMath.tanh(x))
            x += 0.00731
        }
        XCTAssertEqual(ScalarMath.tanh(0), 0)
    }

    func testLogMatchesLibmToDoublePrecision() {
        for x in stride(from: 0.001, to: 1000, by: 0.37) + [1, 2, 10, 1e-300, 1e300] {
            XCTAssertEqual(ScalarMath.log(x), Foundation.log(x), accuracy: 4e-16 * max(1, abs(Foundation.log(x))))
        }
        XCTAssertEqual(ScalarMath.log(1), 0)
    }
}
