import DifferentialPrivacy
import Foundation
import GRDB
import XCTest
@testable import Audit
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// Adaptive clipping (Andrew et al. 2021) on a small DP-FedAvg job: the clip moves from round to
/// round by the released counts alone, the ledger carries each round's C, and an aggregator that
/// rewrites either — a smaller C on the ledger than the noise was drawn for, or a count other than
/// the one released — fails `ledger_plan`, even with the hash chain rebuilt.
final class AdaptiveClippingAttackTests: XCTestCase {
    private func adaptiveJob(_ name: String) throws -> (db: ResultsDatabase, summary: JobSummary) {
        // Clip 0.01 is far below the updates' norms: every update is clipped at first, so the
        // released fraction is near 0 and the clip must grow by about e^{0.5·0.5} a round.
        let manifest = smallMNISTManifest(name: name, seed: 31, clients: 40, trainExamples: 800, testExamples: 100,
                                          rounds: 4, clientsPerRound: 20,
                                          extra: "privacy: { differential_privacy: true, unit: client, epsilon: 1000, noise_multiplier: 0.5, "
                                              + "max_grad_norm: 0.01, adaptive_clipping: { target_quantile: 0.5, learning_rate: 0.5, count_stddev: 1.0 }, accountant: rdp }")
        let (db, summary) = try runJobNow(manifest, prefix: name)
        XCTAssertEqual(summary.status, "succeeded", summary.error ?? "")
        return (db, summary)
    }

    private func ledgerPlan(_ db: ResultsDatabase, _ jobId: Int64) throws -> AuditFinding {
        let report = try JobAuditor(database: db).audit(jobId: jobId, reproduce: false)
        return try XCTUnwrap(report.findings.first { $0.check == "ledger_plan" })
    }

    func testClipFollowsTheReleasedCountsAndTheLedgerCarriesIt() throws {
        let (db, summary) = try adaptiveJob("adaptive-clip")
        let rows = try db.ledger(jobId: summary.jobId).sorted { $0.entry.round < $1.entry.round }
        XCTAssertEqual(rows.map(\.entry.round), [1, 2, 3, 4])
        XCTAssertEqual(rows[0].entry.maxGradNorm, 0.01)
        let aggregate = try db.metrics(jobId: summary.jobId).filter { $0.stage == "aggregate" && $0.client == nil }
        func metric(_ name: String, _ round: Int) throws -> Double {
            try XCTUnwrap(aggregate.first { $0.name == name && $0.round == round }?.value, "\(name) of round \(round)")
        }
        for round in 1...4 {
            XCTAssertEqual(try metric(StageMetric.clipNormName, round), rows[round - 1].entry.maxGradNorm)
            // Every update is clipped at these norms: the noisy fraction is near 0, and C grows.
            XCTAssertLessThan(try metric(StageMetric.unclippedFractionName, round), 0.4)
            if round > 1 {
                XCTAssertEqual(rows[round - 1].entry.maxGradNorm, try metric(StageMetric.nextClipNormName, round - 1))
                XCTAssertGreaterThan(rows[round - 1].entry.maxGradNorm, 1.1 * rows[round - 2].entry.maxGradNorm)
            }
        }
        // σ on the ledger is the accounted one; the update's own multiplier is larger.
        XCTAssertTrue(rows.allSatisfy { $0.entry.noiseMultiplier == 0.5 })
        let finding = try ledgerPlan(db, summary.jobId)
        XCTAssertTrue(finding.passed, finding.evidence)
        XCTAssertTrue(try JobAuditor(database: db).audit(jobId: summary.jobId, reproduce: false).passed)
    }

    /// The aggregator claims it clipped at half the norm it used (a smaller C reads as a smaller
    /// influence per client), rows re-chained through the ledger's own code.
    func testLedgerWithASmallerClipThanReleasedFailsTheAudit() throws {
        let (db, summary) = try adaptiveJob("adaptive-clip-forged-c")
        let genuine = try db.ledger(jobId: summary.jobId)
        let forged = genuine.map { row -> LedgerEntry in
            var e = row.entry
            if e.round >= 2 { e.maxGradNorm /= 2 }
            return e
        }
        try DatabaseQueue(path: db.path).write { conn in
            try conn.execute(sql: "DROP TRIGGER privacy_ledger_no_update; DROP TRIGGER privacy_ledger_no_delete;")
            try conn.execute(sql: "DELETE FROM privacy_ledger WHERE job_id = ?", arguments: [summary.jobId])
            try ResultsDatabase.appendLedger(forged, jobId: summary.jobId, db: SQLiteSession(db: conn))
        }
        let finding = try ledgerPlan(db, summary.jobId)
        XCTAssertFalse(finding.passed, finding.evidence)
        let second = try XCTUnwrap(try db.ledger(jobId: summary.jobId).first { $0.entry.round == 2 })
        XCTAssertTrue(finding.evidence.contains("row \(second.id) (round 2, aggregator): C = \(second.entry.maxGradNorm) where the plan gives"),
                      finding.evidence)
    }

    /// The aggregator rewrites a released count: the clip it implies no longer matches the ledger.
    func testEditedReleasedCountFailsTheAudit() throws {
        let (db, summary) = try adaptiveJob("adaptive-clip-forged-count")
        try DatabaseQueue(path: db.path).write { conn in
            try conn.execute(sql: "UPDATE metrics SET value = 0.9 WHERE job_id = ? AND round = 2 AND stage = 'aggregate' AND name = ?",
                             arguments: [summary.jobId, StageMetric.unclippedFractionName])
            XCTAssertEqual(conn.changesCount, 1)
        }
        let finding = try ledgerPlan(db, summary.jobId)
        XCTAssertFalse(finding.passed, finding.evidence)
        XCTAssertTrue(finding.evidence.contains("(round 3, aggregator): C = "), finding.evidence)
    }
}
