import Foundation
import XCTest
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// DP jobs end to end on a small MNIST slice: ledger rows, budget refusal, budget exhaustion.
final class DifferentialPrivacyJobTests: XCTestCase {
    /// 4 clients (3 per round), the mlp, learning rate 0.5; `privacy` follows `unit:` in the DP block.
    func manifest(unit: String = "example", privacy: String = "epsilon: 3\n  delta: 1e-5\n  max_grad_norm: 1.0", rounds: Int = 2) -> String {
        smallMNISTManifest(name: "dp", seed: 5, clients: 4, trainExamples: 2000, testExamples: 300,
                           rounds: rounds, clientsPerRound: 3, learningRate: 0.5,
                           extra: "privacy:\n  differential_privacy: true\n  unit: \(unit)\n  \(privacy)")
    }

    func setUp(_ text: String) throws -> (ResultsDatabase, String) { try scratchJob(text, prefix: "dp") }

    func testExampleLevelJobRecordsEveryReleaseWithinBudget() throws {
        let (db, path) = try setUp(manifest())
        let summary = try JobService(database: db).runNow(try JobService.ready(path: path))
        XCTAssertEqual(summary.status, "succeeded")
        let rows = try db.ledger(jobId: summary.jobId)
        XCTAssertEqual(rows.count, 6, "3 selected clients × 2 rounds")
        XCTAssertTrue(rows.allSatisfy { $0.entry.decision == "released" && $0.entry.sampling == "poisson" && $0.entry.unit == "example" })
        XCTAssertTrue(rows.allSatisfy { $0.entry.epsilonSpentRDP <= 3 + 1e-9 })
        XCTAssertTrue(rows.allSatisfy { ($0.entry.epsilonSpentPLD ?? 99) <= $0.entry.epsilonSpentRDP + 1e-9 }, "PLD is the tighter accountant")
        XCTAssertTrue(try db.verifyLedgerChain(jobId: summary.jobId).isIntact)
        // σ was calibrated so a client taking part in every round spends exactly the budget.
        let projected = try db.metrics(jobId: summary.jobId).first { $0.name == "projected_epsilon" }!.value
        XCTAssertEqual(projected, 3, accuracy: 0.01)
    }

    func testBudgetTooSmallForTheGivenNoiseIsRefusedBeforeTraining() throws {
        let (db, path) = try setUp(manifest(privacy: "epsilon: 0.5\n  noise_multiplier: 0.8"))
        XCTAssertThrowsError(try JobService.ready(path: path)) { error in
            guard case PrivacyPlanError.budgetTooSmall(let projected, let budget, _, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertGreaterThan(projected, budget)
            XCTAssertTrue("\(error)".contains("project ε"), "\(error)")
        }
        XCTAssertEqual(try db.jobs().count, 0)
    }

    /// Defence in depth: if a party's history ever reaches the budget mid-job (here, a budget
    /// lowered after planning), the job stops before the release, with status budget_exhausted
    /// and a blocked ledger row, and nothing from that round is aggregated.
    func testRunningJobStopsBeforeAnyReleaseThatWouldExceedTheBudget() throws {
        let (db, path) = try setUp(manifest(rounds: 3))
        var ready = try JobService.ready(path: path)
        var prepared = ready.prepared
        var plan = prepared.privacyPlan!
        let perRound = plan.projectedEpsilon / 3
        plan.budget = perRound * 1.5 // enough for one round of each client, not two
        prepared.privacyPlan = plan
        ready = JobService.ReadyJob(path: ready.path, text: ready.text, prepared: prepared)
        XCTAssertThrowsError(try JobService(database: db).runNow(ready)) { error in
            guard case PipelineError.budgetExhausted = error else { return XCTFail("\(error)") }
        }
        let job = try db.jobs().first!
        XCTAssertEqual(job.status, .budgetExhausted)
        let rows = try db.ledger(jobId: job.id!)
        XCTAssertEqual(rows.last?.entry.decision, "blocked")
        XCTAssertTrue(rows.filter { $0.entry.decision == "released" }.allSatisfy { $0.entry.epsilonSpentRDP <= plan.budget * (1 + 1e-9) })
        XCTAssertLessThan(job.roundsCompleted, 3)
        XCTAssertTrue(try db.verifyLedgerChain(jobId: job.id!).isIntact)
    }

    func testClientLevelJobSamplesClientsByPoissonAndChargesTheAggregator() throws {
        let (db, path) = try setUp(manifest(unit: "client", privacy: "epsilon: 8\n  delta: 1e-5\n  max_grad_norm: 1.0", rounds: 3))
        let summary = try JobService(database: db).runNow(try JobService.ready(path: path))
        let rows = try db.ledger(jobId: summary.jobId)
        XCTAssertEqual(rows.map(\.entry.party), ["aggregator", "aggregator", "aggregator"])
        XCTAssertTrue(rows.allSatisfy { $0.entry.samplingRate == 0.75 && $0.entry.steps == 1 && $0.entry.unit == "client" })
        // Each client's pre-clip norm is a statistic of its private data: in its own record only.
        XCTAssertTrue(try db.metrics(jobId: summary.jobId).filter { $0.name == "update_norm" }.isEmpty)
        let local = JobService(database: db).localRecords
        let norms = try (0..<4).flatMap { try local.records(jobId: summary.jobId, owner: "client/\($0)") }.filter { $0.name == "update_norm" }
        XCTAssertFalse(norms.isEmpty)
    }
}
