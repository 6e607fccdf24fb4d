import Foundation
import GRDB
import XCTest
@testable import Audit
@testable import Pipeline
@testable import ResultsStore

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Audits of a small real job (1,000 MNIST training images, 300 test images).
final class JobAuditorTests: XCTestCase {
    func runSmallJob(extra: String = "") throws -> (ResultsDatabase, Int64, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("privfed-audit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let manifest = """
        name: audited
        seed: 11
        dataset:
          name: mnist
          path: \(repositoryRoot.appendingPathComponent("datasets/mnist").path)
          clients: 3
          partition: { scheme: iid }
          train_examples: 1000
          test_examples: 300
        model:
          architecture: mlp
        federation:
          rounds: 2
          clients_per_round: 2
          batch_size: 50
          learning_rate: 0.1
        \(extra)
        """
        let path = dir + "/job.yaml"
        try manifest.write(toFile: path, atomically: true, encoding: .utf8)
        let db = try ResultsDatabase(path: dir + "/r.sqlite", migrationsDirectory: repositoryRoot.appendingPathComponent("migrations").path)
        let summary = try JobService(database: db).runNow(try JobService.ready(path: path))
        return (db, summary.jobId, dir)
    }

    func testUntouchedJobPassesAndReproducesBitForBit() throws {
        let (db, id, _) = try runSmallJob()
        let report = try JobAuditor(database: db).audit(jobId: id, reproduce: true, baseDirectory: repositoryRoot.path)
        XCTAssertTrue(report.passed, "\(report.findings.filter { !$0.passed })")
        XCTAssertEqual(report.findings.first { $0.check == "reproduction" }?.passed, true)
        let recorded = try db.writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM audits WHERE job_id = ? AND passed = 1", arguments: [id]) }
        XCTAssertEqual(recorded, 1)
    }

    func testEditedManifestFailsTheAudit() throws {
        let (db, id, _) = try runSmallJob()
        try db.writer.write { try $0.execute(sql: "UPDATE jobs SET manifest_text = replace(manifest_text, 'rounds: 2', 'rounds: 3') WHERE id = ?", arguments: [id]) }
        let report = try JobAuditor(database: db).audit(jobId: id, reproduce: false, baseDirectory: repositoryRoot.path)
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.findings.first { $0.check == "manifest_hash" }?.passed, false)
    }

    func testAlteredRecordedModelIsNamedByReproduction() throws {
        let (db, id, _) = try runSmallJob()
        try db.writer.write { try $0.execute(sql: "UPDATE artifacts SET sha256 = 'forged' WHERE job_id = ? AND round = 2", arguments: [id]) }
        let report = try JobAuditor(database: db).audit(jobId: id, reproduce: true, baseDirectory: repositoryRoot.path)
        let finding = report.findings.first { $0.check == "reproduction" }
        XCTAssertEqual(finding?.passed, false)
        XCTAssertTrue(finding?.evidence.contains("round 2") ?? false, finding?.evidence ?? "")
    }
}
