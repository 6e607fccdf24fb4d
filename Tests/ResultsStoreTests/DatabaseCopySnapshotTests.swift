import Foundation
import XCTest
@testable import ResultsStore
import TestSupport

/// `DatabaseCopy` reads the source in one snapshot and in batches: a job written to the source
/// while the copy runs (here, between the copy of `jobs` and of the ledger) is not half-copied —
/// its ledger rows without their job would break the destination's references — and tables
/// longer than one batch arrive whole, in id order.
final class DatabaseCopySnapshotTests: XCTestCase {
    func testAJobWrittenDuringTheCopyIsNotHalfCopied() throws {
        let dir = try scratchDirectory(prefix: "copy-snapshot")
        let source = try ResultsDatabase(path: dir + "/source.sqlite")
        let first = try sampleLedgerJob(source, rows: 2 * (DatabaseCopy.batchRows + 11))
        _ = try sampleLedgerJob(source)
        let destination = try ResultsDatabase(path: dir + "/copy.sqlite", operatorKeyFile: dir + "/copy-operator.key")

        var wroteDuringCopy = false
        let outcome = try DatabaseCopy.copy(from: source, to: destination) { table, _ in
            guard table == "jobs" else { return }
            _ = try? sampleLedgerJob(source)     // a worker commits a whole job meanwhile
            wroteDuringCopy = true
        }
        XCTAssertTrue(wroteDuringCopy)
        XCTAssertEqual(try source.jobs().count, 3)
        XCTAssertEqual(outcome.jobs, 2)
        XCTAssertEqual(try destination.jobs().count, 2)
        let ledgerRows = outcome.tables.first { $0.table == "privacy_ledger" }?.rows
        XCTAssertEqual(ledgerRows, 2 * (DatabaseCopy.batchRows + 11) + 6, "the third job's ledger is not in the copy")
        XCTAssertEqual(try destination.ledger(jobId: first), try source.ledger(jobId: first), "every batch, in id order")
        XCTAssertEqual(try destination.verifyLedgerChain(jobId: first), .intact(rows: 2 * (DatabaseCopy.batchRows + 11)))
    }
}
