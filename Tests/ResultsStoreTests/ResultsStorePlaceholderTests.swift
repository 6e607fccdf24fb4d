import XCTest

final class ResultsStorePlaceholderTests: XCTestCase {
    func testTargetBuilds() { XCTAssertTrue(true) }
}
