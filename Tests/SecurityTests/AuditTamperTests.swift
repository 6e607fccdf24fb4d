import Foundation
import GRDB
import XCTest
@testable import Audit
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// What an auditor catches: each edit made behind privfed's back — with sqlite3, triggers dropped
/// first — or to the files around the database makes `privfed audit` fail and name what changed.
final class AuditTamperTests: XCTestCase {
    /// A small DP job whose dataset is a private copy, so a test can replace a file in it.
    func dpJob() throws -> (db: ResultsDatabase, id: Int64, path: String, data: String) {
        let dir = try scratchDirectory(prefix: "tamper")
        let data = dir + "/mnist"
        try FileManager.default.copyItem(atPath: repositoryMNIST, toPath: data)
        let manifest = smallMNISTManifest(name: "tamper", seed: 9, mnistPath: data, clients: 2, trainExamples: 1000, testExamples: 200,
                                          rounds: 2, clientsPerRound: 2, learningRate: 0.5,
                                          extra: "privacy: { differential_privacy: true, epsilon: 3, delta: 1e-5, max_grad_norm: 1.0 }")
        let path = try writeManifest(manifest, in: dir)
        let db = try scratchDatabase(in: dir)
        let summary = try JobService(database: db).runNow(try JobService.ready(path: path))
        return (db, summary.jobId, dir + "/r.sqlite", data)
    }

    func sqlite3(_ path: String, _ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS privacy_ledger_no_update; DROP TRIGGER IF EXISTS privacy_ledger_no_delete;")
            try db.execute(sql: sql)
        }
    }

    func failed(_ db: ResultsDatabase, _ id: Int64) throws -> [AuditFinding] {
        let report = try JobAuditor(database: db).audit(jobId: id, reproduce: false)
        XCTAssertFalse(report.passed)
        return report.findings.filter { !$0.passed }
    }

    func testUntouchedJobPasses() throws {
        let job = try dpJob()
        let report = try JobAuditor(database: job.db).audit(jobId: job.id, reproduce: false)
        XCTAssertTrue(report.passed, "\(report.findings.filter { !$0.passed })")
        XCTAssertEqual(Set(report.findings.map(\.check)), ["manifest_hash", "manifest_valid", "dataset_checksums", "migrations", "secret_commitments",
                                                           "ledger_chain", "ledger_signature", "ledger_complete", "ledger_plan", "epsilon_recomputed",
                                                           "epsilon_within_budget"])
    }

    func testChangedLedgerRowIsNamed() throws {
        let job = try dpJob()
        let row = try job.db.ledger(jobId: job.id)[1]
        try sqlite3(job.path, "UPDATE privacy_ledger SET epsilon_spent_rdp = epsilon_spent_rdp / 2 WHERE id = \(row.id)")
        let failures = try failed(job.db, job.id)
        XCTAssertTrue(failures.contains { $0.check == "ledger_chain" && $0.evidence.contains("row \(row.id)") && $0.evidence.contains("altered") }, "\(failures)")
        XCTAssertTrue(failures.contains { $0.check == "epsilon_recomputed" && $0.evidence.contains("row \(row.id)") }, "\(failures)")
    }

    func testDeletedLedgerRowIsNamed() throws {
        let job = try dpJob()
        let rows = try job.db.ledger(jobId: job.id)
        try sqlite3(job.path, "DELETE FROM privacy_ledger WHERE id = \(rows[1].id)")
        let failures = try failed(job.db, job.id)
        XCTAssertTrue(failures.contains { $0.check == "ledger_chain" && $0.evidence.contains("row \(rows[2].id)") }, "\(failures)")
        XCTAssertTrue(failures.contains { $0.check == "ledger_complete" && $0.evidence.contains(rows[1].entry.party) }, "\(failures)")
    }

    func testDeletedLastLedgerRowIsCaughtByCompleteness() throws {
        let job = try dpJob()
        let last = try job.db.ledger(jobId: job.id).last!
        try sqlite3(job.path, "DELETE FROM privacy_ledger WHERE id = \(last.id)")
        let failures = try failed(job.db, job.id)
        XCTAssertTrue(failures.contains { $0.check == "ledger_complete" && $0.evidence.contains("round \(last.entry.round)") && $0.evidence.contains(last.entry.party) }, "\(failures)")
    }

    func testInsertedLedgerRowIsNamed() throws {
        let job = try dpJob()
        let last = try job.db.ledger(jobId: job.id).last!
        try sqlite3(job.path, """
            INSERT INTO privacy_ledger (job_id, round, party, mechanism, unit, neighbouring, sampling, sampling_rate, noise_multiplier,
              steps, max_grad_norm, delta, epsilon_round, epsilon_spent_rdp, epsilon_spent_pld, budget_epsilon, decision, accountant,
              accountant_version, created_at, prev_hash, row_hash)
            SELECT job_id, round, party, mechanism, unit, neighbouring, sampling, sampling_rate, noise_multiplier, steps, max_grad_norm,
              delta, epsilon_round, epsilon_spent_rdp, epsilon_spent_pld, budget_epsilon, decision, accountant, accountant_version,
              created_at, row_hash, 'forged' FROM privacy_ledger WHERE id = \(last.id)
            """)
        let failures = try failed(job.db, job.id)
        XCTAssertTrue(failures.contains { $0.check == "ledger_chain" && $0.evidence.contains("row \(last.id + 1)") }, "\(failures)")
        XCTAssertTrue(failures.contains { $0.check == "ledger_complete" }, "\(failures)")
    }

    func testEditedManifestIsNamed() throws {
        let job = try dpJob()
        try sqlite3(job.path, "UPDATE jobs SET manifest_text = replace(manifest_text, 'epsilon: 3', 'epsilon: 30') WHERE id = \(job.id)")
        let failures = try failed(job.db, job.id)
        XCTAssertTrue(failures.contains { $0.check == "manifest_hash" && $0.evidence.contains("edited") }, "\(failures)")
    }

    func testReplacedDatasetFileIsNamed() throws {
        let job = try dpJob()
        let file = job.data + "/t10k-labels-idx1-ubyte.gz"
        try Data(contentsOf: URL(fileURLWithPath: job.data + "/train-labels-idx1-ubyte.gz")).write(to: URL(fileURLWithPath: file))
        let failures = try failed(job.db, job.id)
        XCTAssertTrue(failures.contains { $0.check == "dataset_checksums" && $0.evidence.contains("t10k-labels-idx1-ubyte.gz") }, "\(failures)")
    }
}
