import Foundation
import XCTest
@testable import ResultsStore
import TestSupport

/// The attacks of `LedgerTamperTests` and of `privfed query`'s guard, on a PostgreSQL server:
/// the append-only triggers refuse edits, an edit made with the triggers disabled (as the
/// database's owner can) is found by the hash chain and named, and `privfed query` cannot write.
final class PostgresTamperTests: XCTestCase {
    func makeLedger() throws -> (ResultsDatabase, Int64, String, String) {
        guard ScratchPostgres.server != nil else { throw XCTSkip(ScratchPostgres.unavailableReason) }
        let url = try ScratchPostgres.makeDatabase("tamper")
        let dir = try scratchDirectory(prefix: "pg-tamper")
        let db = try ResultsDatabase(path: url, operatorKeyFile: dir + "/privfed-operator.key")
        let id = try sampleLedgerJob(db)
        return (db, id, url, dir)
    }

    /// The owner disables the triggers (what `DROP TRIGGER` is on SQLite) and edits.
    func tamper(_ db: ResultsDatabase, _ sql: String) throws {
        try db.engine.write { s in
            try s.execute(sql: "ALTER TABLE privacy_ledger DISABLE TRIGGER USER")
            try s.execute(sql: sql)
            try s.execute(sql: "ALTER TABLE privacy_ledger ENABLE TRIGGER USER")
        }
    }

    func testTriggersRefuseUpdateAndDelete() throws {
        let (db, id, _, _) = try makeLedger()
        XCTAssertEqual(try db.verifyLedgerChain(jobId: id), .intact(rows: 6))
        for sql in ["UPDATE privacy_ledger SET epsilon_round = 0", "DELETE FROM privacy_ledger"] {
            XCTAssertThrowsError(try db.engine.write { try $0.execute(sql: sql) }) { error in
                XCTAssertTrue("\(error)".contains("append-only"), "\(error)")
            }
        }
        XCTAssertEqual(try db.verifyLedgerChain(jobId: id), .intact(rows: 6), "the refused edits left nothing behind")
    }

    func testEditedAndDeletedRowsAreNamed() throws {
        let (db, id, _, _) = try makeLedger()
        let rows = try db.ledger(jobId: id)
        try tamper(db, "UPDATE privacy_ledger SET epsilon_spent_rdp = 0.1 WHERE id = \(rows[3].id)")
        XCTAssertEqual(try db.verifyLedgerChain(jobId: id), .alteredRow(id: rows[3].id, round: rows[3].entry.round, party: rows[3].entry.party))

        let (other, otherId, _, _) = try makeLedger()
        let otherRows = try other.ledger(jobId: otherId)
        try tamper(other, "DELETE FROM privacy_ledger WHERE id = \(otherRows[2].id)")
        XCTAssertEqual(try other.verifyLedgerChain(jobId: otherId),
                       .brokenLink(id: otherRows[3].id, round: otherRows[3].entry.round, party: otherRows[3].entry.party))
    }

    /// TRUNCATE empties a table without firing its row triggers. Every table that refuses DELETE
    /// row by row (found in the catalogue, so a future append-only table without the statement
    /// guard fails here) must refuse TRUNCATE too, and the ledger must be whole afterwards.
    func testTruncateIsRefusedOnEveryAppendOnlyTable() throws {
        let (db, id, _, _) = try makeLedger()
        let appendOnly = try db.engine.read { s in
            try String.fetchAll(s, sql: """
                SELECT DISTINCT c.relname::text FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
                WHERE NOT t.tgisinternal AND (t.tgtype & 8) <> 0 AND (t.tgtype & 1) <> 0 ORDER BY 1
                """)
        }
        XCTAssertEqual(Set(appendOnly), ["privacy_ledger", "secret_commitments", "ledger_signatures", "operator_keys",
                                         "dataset_files", "upload_signatures"])
        for table in appendOnly {
            XCTAssertThrowsError(try db.engine.write { try $0.execute(sql: "TRUNCATE \(table) CASCADE") }, table) { error in
                XCTAssertTrue("\(error)".contains("is append-only: it cannot be truncated"), "\(table): \(error)")
            }
        }
        XCTAssertEqual(try db.verifyLedgerChain(jobId: id), .intact(rows: 6), "the refused truncations left nothing behind")
    }

    /// `privfed query` on the server: reads answer, and every way to write is refused — a plain
    /// DELETE, a write hidden after a SELECT, and a SELECT of a function that writes (nextval).
    func testQueryCannotWrite() throws {
        let (db, id, url, dir) = try makeLedger()
        let privfed = try PrivfedProcess(database: url)
        let here = URL(fileURLWithPath: dir)
        let read = try privfed.run(["query", "SELECT count(*) AS n FROM privacy_ledger", "--format", "csv"], in: here)
        XCTAssertEqual(read.status, 0, read.stderr)
        XCTAssertEqual(read.stdout.split(separator: "\n").last, "6")
        for sql in ["DELETE FROM privacy_ledger", "SELECT 1; DELETE FROM jobs", "SELECT nextval(pg_get_serial_sequence('jobs', 'id'))",
                    "UPDATE jobs SET status = 'failed'"] {
            let refused = try privfed.run(["query", sql], in: here)
            XCTAssertEqual(refused.status, 1, "\(sql): \(refused.stdout)")
            XCTAssertFalse(refused.stderr.isEmpty, sql)
        }
        XCTAssertEqual(try db.verifyLedgerChain(jobId: id), .intact(rows: 6))
        XCTAssertEqual(try db.job(id: id).status, .running)
    }
}
