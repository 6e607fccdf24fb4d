import Foundation
import Hummingbird
import HummingbirdTesting
import ResultsStore
import Service
import XCTest

/// A tiny real job through the whole service: POST → queue → in-process worker → GET until done.
final class APIEndToEndTests: XCTestCase {
    func testPostedJobIsRunByAWorkerAndReportedSucceeded() async throws {
        let fixture = try APIFixture()
        let workers = JobWorkers(database: fixture.database, count: 1, pollInterval: 0.05, logger: quietLogger)
        workers.start()
        defer { workers.stop() }
        try await fixture.test { client in
            let posted = try await client.call(.post, "/api/training/start", body: tinyManifest(name: "end-to-end"))
            XCTAssertEqual(posted.status, .accepted, posted.text)
            let location = try XCTUnwrap(posted.headers[.location])
            var detail: JobDetail?
            for _ in 0..<1200 {
                let current = try await client.call(.get, location).decode(JobDetail.self)
                detail = current
                if current.job.status.isFinished { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let finished = try XCTUnwrap(detail)
            XCTAssertEqual(finished.job.status, .succeeded, finished.job.error ?? "")
            XCTAssertEqual(finished.job.roundsCompleted, 2)
            let accuracy = try XCTUnwrap(finished.metrics.last { $0.name == "accuracy" }?.value)
            // 10 classes: chance is 0.1. Two rounds on 600 images reach 0.45–0.65 depending on the
            // clients' own shuffles, which come from their fresh roots.
            XCTAssertGreaterThan(accuracy, 0.3)
            XCTAssertTrue(finished.job.worker?.hasSuffix("/serve-1") ?? false, finished.job.worker ?? "no worker")
        }
    }
}
