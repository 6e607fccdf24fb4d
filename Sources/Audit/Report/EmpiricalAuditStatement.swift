import Foundation
import ResultsStore

/// The one-run empirical privacy audit of a job (Steinke, Nasr, Jagielski 2023), as the report
/// states it: the numbers from `canary_audits` and sentences a non-expert can follow. The
/// accountant's ε is an upper bound proved on paper; ε_LB is a lower bound measured on the trained
/// model. The two agree when ε_LB ≤ ε; the opposite is evidence that the implementation does not
/// deliver the privacy it accounts for.
public struct EmpiricalAuditStatement: Codable, Sendable, Equatable {
    public var canaries: Int
    public var confidence: Double
    public var commitment: String
    public var committedAt: String
    /// Nil until the last round has run and the commitment has been opened.
    public var revealedAt: String?
    /// Canaries actually put in the training data (about half of them).
    public var canariesIncluded: Int?
    public var guesses: Int?
    public var correct: Int?
    public var delta: Double?
    public var epsilonLowerBound: Double?
    /// The accountant's ε; nil without differential privacy.
    public var epsilonAccounted: Double?
    public var accountant: String?
    /// In words, for the report.
    public var paragraphs: [String]

    public init(_ record: CanaryAuditRecord) {
        canaries = record.canaries
        confidence = record.confidence
        commitment = record.commitment
        committedAt = record.committedAt
        let reveal = record.reveal
        revealedAt = reveal?.revealedAt
        canariesIncluded = reveal.map { $0.mask.filter { $0 == "1" }.count }
        guesses = reveal?.guesses
        correct = reveal?.correct
        delta = reveal?.delta
        epsilonLowerBound = reveal?.epsilonLowerBound
        epsilonAccounted = reveal?.epsilonAccounted
        accountant = reveal?.accountant
        paragraphs = []
        paragraphs = sentences()   // reads the fields set above
    }

    /// True when the measured lower bound contradicts the accounted ε (a broken implementation).
    public var contradictsAccountant: Bool {
        guard let lower = epsilonLowerBound, let accounted = epsilonAccounted else { return false }
        return lower > accounted
    }

    func sentences() -> [String] {
        let percent = PrivacyStatement.number(confidence * 100) + "%"
        var out = ["This job carried a built-in privacy test. \(canaries) extra training images — \"canaries\": real digits "
            + "given a deliberately wrong label — were each put into the training data or left out by a coin flip. A "
            + "fingerprint (SHA-256 commitment) of which ones went in was stored at \(committedAt), before training began, "
            + "so the result below could not be tuned after the fact."]
        guard let revealedAt, let guesses, let correct, let lower = epsilonLowerBound else {
            out.append("The canaries are revealed and scored when the job's last round ends; that has not happened yet.")
            return out
        }
        out.append("After training, the auditor looked only at the finished model and guessed, for the \(guesses) canaries it "
            + "was most confident about, whether each had been trained on; \(correct) of the \(guesses) guesses were right "
            + "(revealed \(revealedAt); \(canariesIncluded ?? 0) of the \(canaries) canaries had been included).")
        let bound = PrivacyStatement.number(lower)
        let measured = lower > 0
            ? "With \(percent) confidence this shows that the training leaks at least as much as ε = \(bound) would allow (ε_LB = \(bound))."
            : "That is no better than the chance a coin would give: at \(percent) confidence the test finds no measurable privacy loss (ε_LB = 0)."
        out.append(measured)
        if let accounted = epsilonAccounted {
            let claim = PrivacyStatement.number(accounted)
            out.append(lower > accounted
                ? "This CONTRADICTS the privacy accountant, which claims ε = \(claim): the training leaked more than its "
                    + "differential-privacy proof allows, so the implementation or its accounting is broken."
                : "This is consistent with the privacy accountant's ε = \(claim), an upper bound: the measured leakage stays "
                    + "within what the accountant promises. (A lower bound below the promise does not prove the promise; a "
                    + "lower bound above it would disprove it.)")
        } else {
            out.append("Differential privacy is off for this job, so no ε is promised; a positive ε_LB measures how much the "
                + "model reveals about its individual training examples.")
        }
        return out
    }
}
