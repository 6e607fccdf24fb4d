import Foundation
import XCTest
import ResultsStore
import TestSupport

/// `ResultsDatabase.snapshot`: every read made through the view answers from one instant — a
/// job committed meanwhile by another writer is invisible to it until the snapshot ends — and
/// the view refuses writes. On both engines.
final class SnapshotTests: XCTestCase {
    func testReadsThroughASnapshotSeeOneInstantAndCannotWrite() throws {
        let dir = try scratchDirectory(prefix: "snapshot")
        try check(try ResultsDatabase(path: dir + "/results.sqlite"), other: try ResultsDatabase(path: dir + "/results.sqlite"))
    }

    func testPostgreSQLSnapshotSeesOneInstantAndCannotWrite() throws {
        guard ScratchPostgres.server != nil else { throw XCTSkip(ScratchPostgres.unavailableReason) }
        let dir = try scratchDirectory(prefix: "pg-snapshot")
        let url = try ScratchPostgres.makeDatabase("snapshot")
        try check(try ResultsDatabase(path: url, operatorKeyFile: dir + "/privfed-operator.key"),
                  other: try ResultsDatabase(path: url, operatorKeyFile: dir + "/privfed-operator.key"))
    }

    /// `other` is a second connection to the same database: another process's writer.
    func check(_ db: ResultsDatabase, other: ResultsDatabase) throws {
        let first = try sampleLedgerJob(db)
        try db.snapshot { view in
            XCTAssertEqual(try view.jobs().count, 1)
            let second = try sampleLedgerJob(other)       // another writer commits a whole job meanwhile
            XCTAssertEqual(try other.jobs().count, 2, "outside the snapshot it is there")
            XCTAssertEqual(try view.jobs().count, 1, "inside, the snapshot's instant still holds")
            XCTAssertEqual(try view.ledger(jobId: second), [])
            XCTAssertEqual(try view.ledger(jobId: first).count, 6)
            XCTAssertThrowsError(try sampleLedgerJob(view)) { error in
                XCTAssertTrue("\(error)".contains("read snapshot"), "\(error)")
            }
        }
        XCTAssertEqual(try db.jobs().count, 2)
    }
}
