import DifferentialPrivacy
import Foundation
import GRDB
import XCTest
@testable import Audit
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// The attack of issue 15 on the ledger's parameters: a job whose noise was drawn with σ = 0.1
/// gets a ledger claiming σ = 100, rewritten the way an attacker who can write the database would
/// — triggers dropped, the job's rows deleted, forged rows appended through the ledger's own
/// chaining code with ε recomputed for σ = 100 — so the chain is intact and ε agrees with the
/// rows. The plan, derived from the recorded manifest, still says σ = 0.1: `ledger_plan` names
/// every forged row on its own.
final class LedgerPlanForgeryTests: XCTestCase {
    func testLedgerClaimingLargerSigmaThanThePlanFailsTheAudit() throws {
        let manifest = smallMNISTManifest(name: "forged-sigma", seed: 21, clients: 10, trainExamples: 500, testExamples: 100,
                                          rounds: 2, clientsPerRound: 2,
                                          extra: "privacy: { differential_privacy: true, unit: client, epsilon: 1000, noise_multiplier: 0.1, accountant: rdp }")
        let (db, summary) = try runJobNow(manifest, prefix: "forged-sigma")
        XCTAssertEqual(summary.status, "succeeded", summary.error ?? "")
        let genuine = try db.ledger(jobId: summary.jobId)
        XCTAssertFalse(genuine.isEmpty)
        XCTAssertTrue(genuine.allSatisfy { $0.entry.noiseMultiplier == 0.1 })
        let honest = try JobAuditor(database: db).audit(jobId: summary.jobId, reproduce: false)
        XCTAssertTrue(honest.findings.first { $0.check == "ledger_plan" }?.passed ?? false, "\(honest.findings)")

        // The forgery: same releases, σ = 100, ε recomputed under both accountants for σ = 100.
        var histories: [String: PrivacySpend] = [:]
        var forged: [LedgerEntry] = []
        for row in genuine {
            var e = row.entry
            e.noiseMultiplier = 100
            var spend = histories[e.party] ?? PrivacySpend()
            try spend.record(samplingRate: e.samplingRate, noiseMultiplier: 100, steps: e.steps)
            histories[e.party] = spend
            e.epsilonSpentRDP = try spend.epsilon(delta: e.delta, accountant: .rdp).epsilon
            e.epsilonSpentPLD = try spend.epsilon(delta: e.delta, accountant: .pld).epsilon
            e.epsilonRound = try PrivacySpend(entries: [SubsampledGaussianSteps(samplingRate: e.samplingRate, noiseMultiplier: 100, steps: e.steps)])
                .epsilon(delta: e.delta, accountant: .rdp).epsilon
            forged.append(e)
        }
        try DatabaseQueue(path: db.path).write { conn in
            try conn.execute(sql: "DROP TRIGGER privacy_ledger_no_update; DROP TRIGGER privacy_ledger_no_delete;")
            try conn.execute(sql: "DELETE FROM privacy_ledger WHERE job_id = ?", arguments: [summary.jobId])
            try ResultsDatabase.appendLedger(forged, jobId: summary.jobId, db: SQLiteSession(db: conn))
        }

        let report = try JobAuditor(database: db).audit(jobId: summary.jobId, reproduce: false)
        let byCheck = Dictionary(uniqueKeysWithValues: report.findings.map { ($0.check, $0) })
        XCTAssertTrue(byCheck["ledger_chain"]?.passed ?? false, "the forger rebuilt the chain: \(byCheck["ledger_chain"]!.evidence)")
        XCTAssertTrue(byCheck["epsilon_recomputed"]?.passed ?? false, "ε agrees with the forged rows: \(byCheck["epsilon_recomputed"]!.evidence)")
        let plan = try XCTUnwrap(byCheck["ledger_plan"])
        XCTAssertFalse(plan.passed, plan.evidence)
        let first = try XCTUnwrap(try db.ledger(jobId: summary.jobId).first)
        XCTAssertTrue(plan.evidence.contains("row \(first.id) (round \(first.entry.round), aggregator): σ = 100.0 where the plan gives 0.1"),
                      plan.evidence)
        XCTAssertFalse(report.passed)
    }
}
