import Foundation
import GRDB
import XCTest
@testable import Audit
@testable import DifferentialPrivacy
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// What the `empirical_privacy` finding catches: a mask or canary changed after the commitment,
/// a score edited to move the guesses, and a DP implementation that leaks more than it accounts.
final class CanaryTamperTests: XCTestCase {
    /// A one-client job on 300 MNIST images with 200 canaries; `privacy` is appended verbatim.
    func canaryJob(privacy: String = "", override: (([RoundStage]) -> [RoundStage])? = nil) throws -> (db: ResultsDatabase, id: Int64, path: String) {
        let text = canaryJobManifest(name: "canary-tamper", seed: 21, privacy: privacy, canaries: 200, epochs: 8)
        let job = try runWithJobRunner(text, prefix: "canary-tamper") { $0.stageOverride = override }
        return (job.db, job.id, job.db.path)
    }

    func sql(_ path: String, _ statement: String) throws {
        try DatabaseQueue(path: path).write { try $0.execute(sql: statement) }
    }

    func empiricalFinding(_ db: ResultsDatabase, _ id: Int64) throws -> AuditFinding {
        let report = try JobAuditor(database: db).audit(jobId: id, reproduce: false)
        return try XCTUnwrap(report.findings.first { $0.check == "empirical_privacy" })
    }

    func testFlippedMaskBitBreaksTheCommitment() throws {
        let job = try canaryJob()
        XCTAssertTrue(try empiricalFinding(job.db, job.id).passed)
        let mask = try XCTUnwrap(try job.db.canaryAudit(jobId: job.id)?.reveal?.mask)
        let flipped = (mask.first == "1" ? "0" : "1") + mask.dropFirst()
        try assertCommitmentBroken(job, by: "UPDATE canary_audits SET mask = '\(flipped)' WHERE job_id = \(job.id)")
    }

    func testChangedCanaryLabelBreaksTheCommitment() throws {
        let job = try canaryJob()
        let first = try XCTUnwrap(try job.db.canaryScores(jobId: job.id).first)
        let other = (0...9).first { $0 != first.label && $0 != first.trueLabel }!
        try assertCommitmentBroken(job, by: "UPDATE canary_scores SET label = \(other) WHERE job_id = \(job.id) AND canary = 0")
    }

    func assertCommitmentBroken(_ job: (db: ResultsDatabase, id: Int64, path: String), by statement: String,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        try sql(job.path, statement)
        let finding = try empiricalFinding(job.db, job.id)
        XCTAssertFalse(finding.passed, file: file, line: line)
        XCTAssertTrue(finding.evidence.contains("was committed before training"), finding.evidence, file: file, line: line)
    }

    /// Swapping the scores of the best-ranked correctly guessed included canary and the
    /// worst-ranked correctly guessed excluded one turns both guesses wrong at every pre-registered
    /// budget: the recorded budget scores two fewer, and the recomputation no longer matches.
    /// (The extremes, not any correct pair: a pair ranked in the middle leaves the smaller budgets
    /// untouched, and the best budget may move to one of them.)
    func testSwappedScoresAreCaughtByTheRecomputation() throws {
        let job = try canaryJob()
        let audit = try XCTUnwrap(try job.db.canaryAudit(jobId: job.id))
        let reveal = try XCTUnwrap(audit.reveal)
        let mask = try XCTUnwrap(CanaryCommitment.mask(fromText: reveal.mask))
        let scores = try job.db.canaryScores(jobId: job.id).map(\.score)
        let guesses = OneRunAudit.guesses(scores: scores, included: reveal.guessedIncluded, excluded: reveal.guessedExcluded)
        let inRight = try XCTUnwrap(guesses.indices.filter { guesses[$0] == 1 && mask[$0] }.max { scores[$0] < scores[$1] })
        let outRight = try XCTUnwrap(guesses.indices.filter { guesses[$0] == -1 && !mask[$0] }.min { scores[$0] < scores[$1] })
        try sql(job.path, """
            UPDATE canary_scores SET score = CASE canary WHEN \(inRight) THEN \(scores[outRight]) ELSE \(scores[inRight]) END
            WHERE job_id = \(job.id) AND canary IN (\(inRight), \(outRight))
            """)
        var swapped = scores
        swapped.swapAt(inRight, outRight)
        let replayed = OneRunAudit.evaluate(scores: swapped, mask: mask, guessTotals: audit.guessTotals,
                                            delta: reveal.delta, confidence: audit.confidence)
        XCTAssertEqual(replayed.all.first { $0.guesses == reveal.guesses }?.correct, reveal.correct - 2)
        let finding = try empiricalFinding(job.db, job.id)
        XCTAssertFalse(finding.passed)
        XCTAssertTrue(finding.evidence.contains("the job recorded \(reveal.correct) of \(reveal.guesses)"), finding.evidence)
    }

    /// A DP implementation that records its privacy spend but trains without clipping or noise:
    /// the accountant claims ε = 1, the canaries show far more, and the audit fails.
    func testLeakyDPImplementationFailsTheAudit() throws {
        let leaky: ([RoundStage]) -> [RoundStage] = { stages in
            stages.map { $0.name == .localTrain ? LeakyDPSGDStage() : $0 }
        }
        let job = try canaryJob(privacy: "privacy: { differential_privacy: true, epsilon: 1, delta: 1e-5 }", override: leaky)
        let reveal = try XCTUnwrap(try job.db.canaryAudit(jobId: job.id)?.reveal)
        let accounted = try XCTUnwrap(reveal.epsilonAccounted)
        XCTAssertGreaterThan(reveal.epsilonLowerBound, accounted, "\(reveal)")
        let finding = try empiricalFinding(job.db, job.id)
        XCTAssertFalse(finding.passed)
        XCTAssertTrue(finding.evidence.contains("exceeds the accounted ε"), finding.evidence)
    }
}

/// The broken implementation: takes the privacy book's decision and puts it on the ledger as
/// DP-SGD does, but trains by plain SGD (no clipping, no noise).
struct LeakyDPSGDStage: RoundStage {
    let name = StageName.localTrain
    let scope = StageScope.perClient

    func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        let decision = try state.privacy!.decide(party: "client/\(client!)", round: state.round)
        let metrics = try LocalTrainStage().run(&state, client: client, job: job)
        state.pendingLedger.append(decision.entry)
        return metrics
    }
}
