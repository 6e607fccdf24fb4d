import Foundation
import GRDB
import XCTest
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// Ctrl-C during `privfed run` (issue 15: the job stayed `running` and `resume` refused for the
/// 5-minute lease): the real binary, sent SIGINT, stops at a stage boundary, records the job
/// `interrupted` with its round and no lease, says how to continue, and `resume` continues at once.
final class InterruptTests: XCTestCase {
    func row(_ database: String) throws -> Row? {
        var config = Configuration()
        config.readonly = true
        return try DatabaseQueue(path: database, configuration: config).read { db in
            try Row.fetchOne(db, sql: "SELECT status, rounds_completed, rounds_planned, lease_expires_at, error FROM jobs WHERE id = 1")
        }
    }

    func testSIGINTDuringRunRecordsInterruptedAndResumeContinuesAtOnce() throws {
        let dir = try scratchDirectory(prefix: "sigint")
        let manifest = try writeManifest(smallMNISTManifest(name: "sigint", seed: 8, clients: 2, trainExamples: 200, testExamples: 100,
                                                            rounds: 60, clientsPerRound: 2), in: dir)
        let database = dir + "/r.sqlite"
        let privfed = try PrivfedProcess(database: database)
        let started = try privfed.start(["run", manifest])
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: database), let r = try? row(database), (r["rounds_completed"] as Int) >= 1 { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(started.0.processIdentifier, SIGINT)
        let outcome = privfed.wait(started)
        XCTAssertFalse(outcome.signaled, "privfed handled the signal")
        XCTAssertEqual(outcome.status, 130, outcome.stdout + outcome.stderr)

        let job = try XCTUnwrap(try row(database))
        let completed: Int = job["rounds_completed"]
        XCTAssertEqual(job["status"] as String, "interrupted")
        XCTAssertNil(job["lease_expires_at"] as String?, "the lease is released")
        XCTAssertGreaterThanOrEqual(completed, 1)
        XCTAssertLessThan(completed, 60, "stopped before the end")
        XCTAssertTrue(outcome.stdout.contains("interrupted after round \(completed); privfed resume 1 continues"), outcome.stdout)
        XCTAssertTrue((job["error"] as String?)?.contains("SIGINT") ?? false)

        let resumed = try privfed.run(["resume", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.stdout + resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("after round \(completed) of 60"), resumed.stderr)
        let done = try XCTUnwrap(try row(database))
        XCTAssertEqual(done["status"] as String, "succeeded")
        XCTAssertEqual(done["rounds_completed"] as Int, 60)
    }

    /// A live lease whose holder is a process of this host that no longer exists is taken over
    /// at once by `resume` (no --force) and by a worker.
    func testLeaseOfADeadProcessOnThisHostIsTakenOverAtOnce() throws {
        let text = smallMNISTManifest(name: "dead-holder", seed: 6, clients: 2, trainExamples: 200, testExamples: 100,
                                      rounds: 2, clientsPerRound: 2)
        let (db, path) = try scratchJob(text, prefix: "dead-holder")
        let service = JobService(database: db)
        let first = try service.submit(path: path)
        let second = try service.submit(path: path)
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let dead = "\(ProcessInfo.processInfo.hostName):\(gone.processIdentifier)"
        XCTAssertTrue(LeaseHolder(dead).isDeadOnThisHost)
        XCTAssertFalse(LeaseHolder(JobRunner.defaultWorkerName()).isDeadOnThisHost, "this process is alive")
        XCTAssertFalse(LeaseHolder("elsewhere.example:\(gone.processIdentifier)").isDeadOnThisHost, "another host's process cannot be checked")
        for id in [first, second] { _ = try db.claimJob(id: id, worker: dead, leaseSeconds: 300) }

        let resumed = try service.resume(jobId: first)
        XCTAssertEqual(resumed.status, "succeeded", resumed.error ?? "")
        let worked = try XCTUnwrap(try service.workOnce())
        XCTAssertEqual(worked.jobId, second)
        XCTAssertEqual(worked.status, "succeeded", worked.error ?? "")

        // A live holder's lease still stands.
        let third = try service.submit(path: path)
        _ = try db.claimJob(id: third, worker: JobRunner.defaultWorkerName() + "/other", leaseSeconds: 300)
        XCTAssertThrowsError(try service.resume(jobId: third, worker: "someone-else")) { error in
            guard case ResultsStoreError.leaseHeld = error else { return XCTFail("\(error)") }
        }
    }
}
