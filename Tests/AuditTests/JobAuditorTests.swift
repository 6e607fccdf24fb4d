import Foundation
import GRDB
import XCTest
@testable import Audit
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// Audits of a small real job (1,000 MNIST training images, 300 test images).
final class JobAuditorTests: XCTestCase {
    func runSmallJob() throws -> (ResultsDatabase, Int64) {
        let job = try runSmallAuditJob(name: "audited", seed: 11)
        return (job.db, job.jobId)
    }

    func testUntouchedJobPassesAndReproducesBitForBit() throws {
        let (db, id) = try runSmallJob()
        let report = try JobAuditor(database: db).audit(jobId: id, reproduce: true, baseDirectory: repositoryRoot.path)
        XCTAssertTrue(report.passed, "\(report.findings.filter { !$0.passed })")
        XCTAssertEqual(report.findings.first { $0.check == "reproduction" }?.passed, true)
        let recorded = try db.engine.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM audits WHERE job_id = ? AND passed = 1", arguments: [id]) }
        XCTAssertEqual(recorded, 1)
    }

    func testEditedManifestFailsTheAudit() throws {
        let (db, id) = try runSmallJob()
        try db.engine.write { try $0.execute(sql: "UPDATE jobs SET manifest_text = replace(manifest_text, 'rounds: 2', 'rounds: 3') WHERE id = ?", arguments: [id]) }
        let report = try JobAuditor(database: db).audit(jobId: id, reproduce: false, baseDirectory: repositoryRoot.path)
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.findings.first { $0.check == "manifest_hash" }?.passed, false)
    }

    func testAlteredRecordedModelIsNamedByReproduction() throws {
        let (db, id) = try runSmallJob()
        try db.engine.write { try $0.execute(sql: "UPDATE artifacts SET sha256 = 'forged' WHERE job_id = ? AND round = 2", arguments: [id]) }
        let report = try JobAuditor(database: db).audit(jobId: id, reproduce: true, baseDirectory: repositoryRoot.path)
        let finding = report.findings.first { $0.check == "reproduction" }
        XCTAssertEqual(finding?.passed, false)
        XCTAssertTrue(finding?.evidence.contains("round 2") ?? false, finding?.evidence ?? "")
    }
}
