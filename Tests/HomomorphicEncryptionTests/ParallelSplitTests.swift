import Foundation
import XCTest
@testable import HomomorphicEncryption

/// The fixed split that encrypts, aggregates and decrypts ciphertexts on two threads must hand back
/// every result in index order, however the threads interleave. Many tiny jobs make the two workers
/// store results at nearly the same moments, which is where a racy result buffer would lose writes.
final class ParallelSplitTests: XCTestCase {
    func testTwoThreadsStoringResultsAtOnceKeepEveryResultInOrder() {
        for trial in 0..<3_000 {
            let count = 64 + trial % 64
            let results = ParallelSplit.map(count: count, threads: 2) { i in i &* 2_654_435_761 }
            XCTAssertEqual(results, (0..<count).map { $0 &* 2_654_435_761 }, "trial \(trial)")
            if results.count != count { return }
        }
    }

    func testOneThreadAndMoreThreadsThanJobsGiveTheSameResults() {
        let serial = ParallelSplit.map(count: 5, threads: 1) { "job \($0)" }
        XCTAssertEqual(serial, (0..<5).map { "job \($0)" })
        XCTAssertEqual(ParallelSplit.map(count: 5, threads: 8) { "job \($0)" }, serial)
        XCTAssertEqual(ParallelSplit.map(count: 0, threads: 2) { "job \($0)" }, [])
    }
}
