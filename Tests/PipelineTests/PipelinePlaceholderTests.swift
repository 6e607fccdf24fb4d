import XCTest

final class PipelinePlaceholderTests: XCTestCase {
    func testTargetBuilds() { XCTAssertTrue(true) }
}
