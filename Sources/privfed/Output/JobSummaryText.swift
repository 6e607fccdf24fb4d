import Foundation
import Pipeline
import ResultsStore
import Audit

/// The lines `privfed run` and `privfed resume` print when a job ends.
enum JobSummaryText {
    static func lines(_ summary: JobSummary) -> [String] {
        var lines = ["job \(summary.jobId) \(TerminalText.escaped(summary.name)): \(summary.status) after \(summary.roundsCompleted) rounds "
                     + "in \(String(format: "%.1f", summary.seconds)) s" + (summary.error.map { " — " + TerminalText.escaped($0) } ?? "")]
        if let acc = summary.accuracy, let loss = summary.loss { lines.append(String(format: "test accuracy %.4f, test loss %.4f", acc, loss)) }
        if let privacy = summary.privacy { lines.append(privacyLine(privacy)) }
        if let hash = summary.modelSha256 { lines.append("model sha256 \(hash)") }
        return lines
    }

    /// One line stating a DP job's guarantee: ε under each accountant (the enforcing one first),
    /// the budget, δ, σ and the unit of privacy — what a reader needs to judge the claim.
    static func privacyLine(_ p: PrivacyOutcome) -> String {
        let rdp = "\(ReportNumber.text(p.epsilonRDP)) (rdp)"
        let pld = p.epsilonPLD.map { "\(ReportNumber.text($0)) (pld)" }
        let epsilons = (p.accountant == "pld" ? [pld, rdp] : [rdp, pld]).compactMap { $0 }.joined(separator: ", ")
        let per = p.parties > 1 ? "per party, the largest of \(p.parties)" : ""
        let sigma = p.noiseMultipliers.map { ReportNumber.text($0) }.joined(separator: ", ")
        return "differential privacy: ε = \(epsilons) of budget \(ReportNumber.text(p.budget))\(per.isEmpty ? "" : " " + per) "
            + "(enforced by \(p.accountant)), δ = \(ReportNumber.text(p.delta)), σ = \(sigma); unit: one \(p.unit)"
    }
}
