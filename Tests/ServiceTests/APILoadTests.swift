import Foundation
import ResultsStore
import Service
import XCTest

/// `privfed bench serve` at a smaller count: a real server on a loopback port, concurrent clients,
/// no request may fail, and every submission is in the database.
final class APILoadTests: XCTestCase {
    func testConcurrentSubmissionsAndStatusRequestsOnLoopbackAllSucceed() async throws {
        let fixture = try APIFixture()
        let bench = APILoadBenchmark(statusRequests: 200, submissions: 12, concurrency: 8)
        let result = try await bench.run(database: fixture.database, manifestsDirectory: fixture.configuration.manifestsDirectory)
        XCTAssertEqual(result.phases.map(\.requests), [12, 200])
        XCTAssertEqual(result.errors, 0, result.phases.flatMap(\.failures).joined(separator: "\n"))
        let jobs = try fixture.database.jobs()
        XCTAssertEqual(jobs.count, 12)
        XCTAssertTrue(jobs.allSatisfy { $0.status == .queued })
        for phase in result.phases {
            XCTAssertLessThanOrEqual(phase.p50Ms, phase.p95Ms)
            XCTAssertLessThanOrEqual(phase.p95Ms, phase.p99Ms)
            XCTAssertLessThanOrEqual(phase.p99Ms, phase.maxMs)
        }
    }
}
