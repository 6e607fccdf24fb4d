import Foundation
import GRDB
import XCTest
@testable import ResultsStore
import TestSupport

/// The privacy ledger is append-only (triggers) and hash-chained: an edit made behind
/// privfed's back, even with the triggers dropped, is detected and named.
final class LedgerTamperTests: XCTestCase {
    func makeLedger(rows: Int = 6) throws -> (ResultsDatabase, Int64, String) {
        let db = try scratchDatabase(in: try scratchDirectory(prefix: "ledger"))
        let path = db.path
        let id = try sampleLedgerJob(db, rows: rows)
        return (db, id, path)
    }

    func tamper(_ path: String, _ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER privacy_ledger_no_update; DROP TRIGGER privacy_ledger_no_delete;")
            try db.execute(sql: sql)
        }
    }

    func testIntactChainVerifies() throws {
        let (db, id, _) = try makeLedger()
        XCTAssertEqual(try db.verifyLedgerChain(jobId: id), .intact(rows: 6))
    }

    func testUpdateAndDeleteAreRejectedByTriggers() throws {
        let (db, _, _) = try makeLedger()
        XCTAssertThrowsError(try db.engine.write { try $0.execute(sql: "UPDATE privacy_ledger SET epsilon_round = 0") }) { error in
            XCTAssertTrue("\(error)".contains("append-only"), "\(error)")
        }
        XCTAssertThrowsError(try db.engine.write { try $0.execute(sql: "DELETE FROM privacy_ledger") }) { error in
            XCTAssertTrue("\(error)".contains("append-only"), "\(error)")
        }
    }

    func testEditedRowIsNamed() throws {
        let (db, id, path) = try makeLedger()
        let target = try db.ledger(jobId: id)[3]
        try tamper(path, "UPDATE privacy_ledger SET epsilon_spent_rdp = 0.1 WHERE id = \(target.id)")
        XCTAssertEqual(try db.verifyLedgerChain(jobId: id), .alteredRow(id: target.id, round: target.entry.round, party: target.entry.party))
    }

    func testDeletedRowIsNamedByItsSuccessor() throws {
        let (db, id, path) = try makeLedger()
        let rows = try db.ledger(jobId: id)
        try tamper(path, "DELETE FROM privacy_ledger WHERE id = \(rows[2].id)")
        XCTAssertEqual(try db.verifyLedgerChain(jobId: id), .brokenLink(id: rows[3].id, round: rows[3].entry.round, party: rows[3].entry.party))
    }

    func testInsertedRowIsDetected() throws {
        let (db, id, path) = try makeLedger()
        let rows = try db.ledger(jobId: id)
        // A forged row copying a real one's hashes, inserted in the middle of the chain's id order.
        try tamper(path, """
            INSERT INTO privacy_ledger (id, job_id, round, party, mechanism, unit, neighbouring, sampling, sampling_rate, noise_multiplier,
              steps, max_grad_norm, delta, epsilon_round, epsilon_spent_rdp, epsilon_spent_pld, budget_epsilon, decision, accountant,
              accountant_version, created_at, prev_hash, row_hash)
            SELECT \(rows.last!.id + 100), job_id, round, 'client/9', mechanism, unit, neighbouring, sampling, sampling_rate, noise_multiplier,
              steps, max_grad_norm, delta, epsilon_round, epsilon_spent_rdp, epsilon_spent_pld, budget_epsilon, decision, accountant,
              accountant_version, created_at, row_hash, 'forged' FROM privacy_ledger WHERE id = \(rows.last!.id)
            """)
        XCTAssertFalse(try db.verifyLedgerChain(jobId: id).isIntact)
    }

    func testChainIsBoundToTheJobsManifest() throws {
        let (db, id, path) = try makeLedger()
        try tamper(path, "UPDATE jobs SET manifest_sha256 = 'x' WHERE id = \(id)")
        XCTAssertFalse(try db.verifyLedgerChain(jobId: id).isIntact)
    }
}
