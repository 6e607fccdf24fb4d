import Foundation
import GRDB
import XCTest
@testable import ResultsStore
import TestSupport

final class ResultsDatabaseTests: XCTestCase {
    func testMigrationsApplyOnceAndAreRecordedWithTheirChecksums() throws {
        let path = try scratchDirectory(prefix: "tests") + "/r.sqlite"
        _ = try ResultsDatabase(path: path)
        let db = try ResultsDatabase(path: path) // second open: nothing to apply
        let recorded = try db.engine.read { try SQLRow.fetchAll($0, sql: "SELECT version, sha256 FROM privfed_migrations") }
        let files = Migration.shipped
        XCTAssertEqual(recorded.count, files.count)
        XCTAssertEqual(recorded.map { $0["sha256"] as String }, files.map(\.sha256))
        let mode = try db.engine.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        XCTAssertEqual(mode, "wal")
    }

    func testChangedAppliedMigrationIsRefused() throws {
        let dir = try scratchDirectory(prefix: "tests")
        _ = try ResultsDatabase(path: dir + "/r.sqlite", migrations: [Migration(version: 1, name: "t", sql: "CREATE TABLE t (x INTEGER);")])
        let changed = [Migration(version: 1, name: "t", sql: "CREATE TABLE t (x INTEGER, y INTEGER);")]
        XCTAssertThrowsError(try ResultsDatabase(path: dir + "/r.sqlite", migrations: changed)) { error in
            guard case ResultsStoreError.migrationChanged(let version, _, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(version, 1)
        }
    }

    func testFileThatIsNotSQLiteIsRefusedAndLeftUntouched() throws {
        let path = try scratchDirectory(prefix: "tests") + "/notes.sqlite"
        let content = Data("these are my notes, not a database\n".utf8)
        try content.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ResultsDatabase(path: path)) { error in
            XCTAssertEqual(error as? ResultsStoreError, .notADatabase(path: path))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), content)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    func testForeignSQLiteDatabaseIsRefusedWithoutAddingTables() throws {
        let path = try scratchDirectory(prefix: "tests") + "/other.sqlite"
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "CREATE TABLE customers (id INTEGER)") }
        XCTAssertThrowsError(try ResultsDatabase(path: path)) { error in
            guard case ResultsStoreError.foreignDatabase = error else { return XCTFail("\(error)") }
        }
        let tables = try queue.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        XCTAssertEqual(tables, ["customers"])
    }

    func testQueryRefusesWritesAndLeavesDataAsItWas() throws {
        let path = try scratchDirectory(prefix: "tests") + "/r.sqlite"
        let db = try ResultsDatabase(path: path)
        let id = try db.insertJob(JobRecord(name: "j", manifestPath: "m.yaml", manifestText: "name: j", seed: 1,
                                            randomness: "reproducible", codeVersion: "test", status: .queued, roundsPlanned: 1))
        for sql in ["DELETE FROM jobs", "UPDATE jobs SET name = 'x'", "DROP TABLE jobs", "INSERT INTO jobs (name) VALUES ('x')",
                    "CREATE TABLE z (a)"] {
            XCTAssertThrowsError(try ReadOnlyQuery.run(path: path, sql: sql)) { error in
                guard case ResultsStoreError.writeRefused = error else { return XCTFail("\(sql): \(error)") }
            }
        }
        let result = try ReadOnlyQuery.run(path: path, sql: "SELECT id, name FROM jobs")
        XCTAssertEqual(result.columns, ["id", "name"])
        XCTAssertEqual(result.rows, [[.integer(id), .text("j")]])
    }

    func testQueryOnMissingDatabaseDoesNotCreateIt() throws {
        let path = try scratchDirectory(prefix: "tests") + "/absent.sqlite"
        XCTAssertThrowsError(try ReadOnlyQuery.run(path: path, sql: "SELECT 1"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testTwoClaimsNeverTakeTheSameJob() throws {
        let path = try scratchDirectory(prefix: "tests") + "/r.sqlite"
        let db = try ResultsDatabase(path: path)
        for i in 0..<20 {
            _ = try db.insertJob(JobRecord(name: "j\(i)", manifestPath: "m", manifestText: "t", seed: 1, randomness: "reproducible",
                                           codeVersion: "test", status: .queued, roundsPlanned: 1))
        }
        let other = try ResultsDatabase(path: path)
        let claimed = ClaimLog()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            let store = worker == 0 ? db : other
            while let job = try? store.claimNextJob(worker: "w\(worker)") { claimed.add(job.id!) }
        }
        XCTAssertEqual(claimed.ids.count, 20)
        XCTAssertEqual(Set(claimed.ids).count, 20)
    }

    func testRoundIsWrittenWhollyOrNotAtAll() throws {
        let path = try scratchDirectory(prefix: "tests") + "/r.sqlite"
        let db = try ResultsDatabase(path: path)
        let id = try db.insertJob(JobRecord(name: "j", manifestPath: "m", manifestText: "t", seed: 1, randomness: "reproducible",
                                            codeVersion: "test", status: .running, roundsPlanned: 2))
        var batch = RoundRecordBatch(round: 1, selectedClients: [0, 1], startedAt: Timestamp.now(), finishedAt: Timestamp.now())
        batch.stageRuns = [StageRunRecord(round: 1, stage: "local_train", client: 0, startedAt: Timestamp.now(), durationMs: 1, succeeded: true)]
        batch.metrics = [MetricRecord(round: 1, stage: "evaluate", client: nil, name: "accuracy", value: 0.9, unit: "ratio")]
        struct Boom: Error {}
        XCTAssertThrowsError(try db.commitRound(jobId: id, batch) { _ in throw Boom() })
        XCTAssertEqual(try db.stageRuns(jobId: id).count, 0)
        XCTAssertEqual(try db.metrics(jobId: id).count, 0)
        try db.commitRound(jobId: id, batch)
        XCTAssertEqual(try db.stageRuns(jobId: id), batch.stageRuns)
        XCTAssertEqual(try db.job(id: id).roundsCompleted, 1)
    }
}

final class ClaimLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var ids: [Int64] = []
    func add(_ id: Int64) { lock.lock(); ids.append(id); lock.unlock() }
}
