import DifferentialPrivacy
import Foundation
import Pipeline
import ResultsStore

/// The `empirical_privacy` finding: checks a job's one-run privacy audit (Steinke, Nasr, Jagielski
/// 2023) from the records alone.
///
/// 1. The revealed mask and salt, with the recorded canaries' images and labels, open the
///    commitment written before training (`CanaryCommitment`); otherwise the mask may have been
///    chosen after the model was seen, and nothing the audit says can be trusted.
/// 2. The guesses, correct count and ε_LB are recomputed from the stored scores and the mask with
///    the recorded, pre-registered guess budgets and must equal what the job recorded.
/// 3. δ and the accountant's ε stored with the audit match the manifest and the ledger.
/// 4. ε_LB must not exceed the ε the accountant claims: a lower bound above the upper bound means
///    the DP implementation (or its accounting) is broken — the point of running the audit.
struct EmpiricalPrivacyAudit {
    let database: ResultsDatabase
    static let check = "empirical_privacy"
    /// Recorded and recomputed ε_LB must agree to this relative tolerance (bisection to 1e-9).
    static let tolerance = 1e-6

    /// The finding, or nil when the job has neither an `audit:` block nor canary records.
    func finding(job: JobRecord, manifest: JobManifest?) throws -> AuditFinding? {
        let jobId = job.id!
        guard let record = try database.canaryAudit(jobId: jobId) else {
            guard let audit = manifest?.audit else { return nil }
            return fail("the manifest asks for \(audit.canaries) canaries but no commitment to them was recorded before training")
        }
        guard let reveal = record.reveal else {
            return job.status == .succeeded
                ? fail("the job succeeded but its canary commitment \(record.commitment) was never opened")
                : AuditFinding(Self.check, true, "not applicable: the job ended as \(job.status.rawValue) before the canaries were revealed; commitment \(record.commitment) recorded at \(record.committedAt)")
        }
        let canaries = try database.canaryScores(jobId: jobId)
        guard let mask = CanaryCommitment.mask(fromText: reveal.mask), let salt = CanaryCommitment.bytes(fromHex: reveal.salt) else {
            return fail("the revealed mask or salt is malformed")
        }
        guard mask.count == record.canaries, canaries.count == record.canaries, canaries.map(\.canary) == Array(0..<record.canaries) else {
            return fail("\(record.canaries) canaries committed, but \(mask.count) mask bits and \(canaries.count) canary rows revealed")
        }

        // 1. The commitment.
        let opened = CanaryCommitment.digest(imageIndices: canaries.map(\.imageIndex), labels: canaries.map(\.label), mask: mask, salt: salt)
        guard opened == record.commitment else {
            return fail("the revealed mask, salt and canaries hash to \(opened), but \(record.commitment) was committed before training: the mask or the canaries were changed")
        }
        if let wrong = canaries.first(where: { $0.label == $0.trueLabel }) {
            return fail("canary \(wrong.canary) carries its true label \(wrong.label): it is not a mislabelled canary")
        }

        // 2. The game, replayed from the stored scores.
        let game = OneRunAudit.evaluate(scores: canaries.map(\.score), mask: mask, guessTotals: record.guessTotals,
                                        delta: reveal.delta, confidence: record.confidence)
        let best = game.best
        func differs(_ a: Double, _ b: Double) -> Bool { abs(a - b) > Self.tolerance * max(abs(a), abs(b), 1) }
        if best.guesses != reveal.guesses || best.correct != reveal.correct || differs(best.epsilonLowerBound, reveal.epsilonLowerBound) {
            return fail("recomputed from the stored scores and mask: \(best.correct) of \(best.guesses) guesses correct, ε_LB = \(best.epsilonLowerBound); the job recorded \(reveal.correct) of \(reveal.guesses), ε_LB = \(reveal.epsilonLowerBound)")
        }

        // 3. δ and the accountant's ε.
        let dp = manifest?.privacy.differentialPrivacy ?? (reveal.epsilonAccounted != nil)
        let expectedDelta = dp ? (manifest?.privacy.delta ?? PrivacyPlan.defaultDelta) : 0
        if reveal.delta != expectedDelta {
            return fail("the bound was computed at δ = \(reveal.delta), but the job's δ is \(expectedDelta)")
        }
        let bound = "ε_LB = \(Self.format(reveal.epsilonLowerBound))"
        let details = " at \(Int(record.confidence * 100))% confidence, δ = \(reveal.delta) "
            + "(\(reveal.correct) of \(reveal.guesses) guesses correct: k+ = \(reveal.guessedIncluded), k− = \(reveal.guessedExcluded); "
            + "best of \(record.guessTotals.count) pre-registered budgets \(record.guessTotals), Bonferroni-corrected); "
            + "the revealed mask (\(mask.filter { $0 }.count) of \(mask.count) included) opens the commitment \(record.commitment.prefix(16))… made at \(record.committedAt)"
        guard dp else {
            return AuditFinding(Self.check, true, bound + details + "; differential privacy is off, so no ε is claimed to compare with")
        }
        let ledger = CanarySet.accountedEpsilon(try database.ledger(jobId: jobId))
        guard let accounted = reveal.epsilonAccounted, !differs(accounted, ledger) else {
            return fail("the audit recorded ε accounted = \(reveal.epsilonAccounted.map { "\($0)" } ?? "none"), but the ledger's largest spend is \(ledger)")
        }

        // 4. Lower bound against upper bound.
        if reveal.epsilonLowerBound > accounted {
            return fail(bound + " exceeds the accounted ε = \(Self.format(accounted)) (\(reveal.accountant ?? "?")): the training leaks more than its DP guarantee allows — the DP implementation or its accounting is broken;" + details)
        }
        return AuditFinding(Self.check, true, bound + " ≤ ε accounted = \(Self.format(accounted)) (\(reveal.accountant ?? "?"))" + details)
    }

    func fail(_ evidence: String) -> AuditFinding { AuditFinding(Self.check, false, evidence) }

    static func format(_ x: Double) -> String { String(format: "%.4f", x) }
}
