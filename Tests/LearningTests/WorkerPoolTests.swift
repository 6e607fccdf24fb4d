import XCTest
import ParallelWork

/// The pool's hand-over of the caller's closure, hammered: many short runs back to back, each
/// closure capturing fresh state, as DP-SGD's GEMMs call it thousands of times a second. A worker
/// that keeps a reference past its part, or drops one the caller still counts on, makes
/// `withoutActuallyEscaping` trap ("closure argument was escaped"), and the test process dies.
final class WorkerPoolTests: XCTestCase {
    func testManyShortRunsEachFinishWithinTheirCall() {
        var total = 0
        for run in 0..<200_000 {
            let slots = UnsafeMutablePointer<Int>.allocate(capacity: 2)
            slots.initialize(repeating: 0, count: 2)
            let offset = run   // captured state that differs per run: a fresh closure context
            WorkerPool.run(parts: 2) { part in slots[part] = offset &* 2 &+ part }
            XCTAssertEqual(slots[0], run * 2)
            XCTAssertEqual(slots[1], run * 2 + 1)
            total &+= slots[0] &+ slots[1]
            slots.deallocate()
        }
        XCTAssertEqual(total, (0..<200_000).reduce(0) { $0 &+ 4 &* $1 &+ 1 })
    }
}
