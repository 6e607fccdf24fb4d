import Foundation
import GRDB
import XCTest
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// A results database that another connection holds exclusively locked in the middle of a run
/// (issue 15: the job died of "SQLite error 5: database is locked" and stayed `running`): the
/// writes retry with backoff up to the stated limit, then the job ends failed, saying why.
final class DatabaseLockTests: XCTestCase {
    /// Takes an exclusive lock on the database from its own connection when round 1's first
    /// client finishes, and releases it `holdSeconds` later.
    final class Locker: JobProgress, @unchecked Sendable {
        let queue: DatabaseQueue
        let holdSeconds: Double
        var locked = false
        let released = DispatchSemaphore(value: 0)

        init(path: String, holdSeconds: Double) throws {
            var config = Configuration()
            config.busyMode = .timeout(5)
            queue = try DatabaseQueue(path: path, configuration: config)
            self.holdSeconds = holdSeconds
        }

        func started(job: Int64, name: String, rounds: ClosedRange<Int>) {}
        func clientFinished(round: Int, client: Int, of clients: Int) {
            guard !locked else { return }
            locked = true
            let queue = queue, hold = holdSeconds, released = released, acquired = DispatchSemaphore(value: 0)
            // The lock is taken and held inside one access of the other connection, on its own thread.
            Thread.detachNewThread {
                try! queue.inDatabase { db in
                    try db.execute(sql: "BEGIN EXCLUSIVE")
                    acquired.signal()
                    Thread.sleep(forTimeInterval: hold)
                    try db.execute(sql: "COMMIT")
                }
                released.signal()
            }
            acquired.wait()
        }
        func roundFinished(round: Int, of rounds: Int, accuracy: Double?) {}
        func warning(_ message: String) {}
        func finished() {}
    }

    func testJobWhoseDatabaseStaysLockedEndsFailedWithTheReason() throws {
        let dir = try scratchDirectory(prefix: "locked")
        let manifest = try writeManifest(smallMNISTManifest(name: "locked", seed: 5, clients: 2, trainExamples: 200, testExamples: 100,
                                                            rounds: 3, clientsPerRound: 2), in: dir)
        let limit = LockRetry(limitSeconds: 1)
        let db = try ResultsDatabase(path: dir + "/r.sqlite", lockRetry: limit)
        let locker = try Locker(path: db.path, holdSeconds: 1.6)
        let clock = ContinuousClock.now
        XCTAssertThrowsError(try JobService(database: db).runNow(try JobService.ready(path: manifest), progress: locker)) { error in
            guard case PipelineError.databaseLocked(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("stayed locked by another process for more than 1 s"), message)
        }
        let waited = clock.duration(to: .now)
        XCTAssertTrue(locker.locked)
        XCTAssertEqual(locker.released.wait(timeout: .now() + 10), .success)

        let job = try XCTUnwrap(try db.jobs(limit: 1).first)
        XCTAssertEqual(job.status, .failed, "never left running")
        XCTAssertTrue(job.error?.contains("stayed locked by another process for more than 1 s") ?? false, job.error ?? "")
        XCTAssertLessThan(job.roundsCompleted, 3)
        XCTAssertLessThan(waited, .seconds(30), "bounded by the limit, not SQLite's default wait")
    }

    /// The busy handler's pauses double from 5 ms, stay at most 1 s, and add up to the limit.
    func testBackoffDoublesAndStopsAtTheLimit() {
        XCTAssertEqual(LockRetry.delay(afterTries: 0), 0.005)
        XCTAssertEqual(LockRetry.delay(afterTries: 1), 0.01)
        XCTAssertEqual(LockRetry.delay(afterTries: 30), 1)
        let limit = LockRetry.defaultLimitSeconds
        var tries = 0
        while LockRetry.waited(tries: tries) < limit { tries += 1 }
        XCTAssertEqual(tries, 37, "8 pauses doubling from 5 ms to 640 ms (1.275 s), then 1 s pauses")
        XCTAssertEqual(LockRetry().description, "30 s")
    }
}
