import Foundation
import Pipeline

/// `privfed orchestrator --run --json`: the job's progress as JSON lines beside the link's, one
/// per round (`{"event": "round", "round": R, "of": N, "accuracy": A}`), so a script can follow a
/// job without a terminal.
final class JobEventLines: JobProgress {
    let lines: LinkEventLines
    var job: Int64 = 0

    init(lines: LinkEventLines) { self.lines = lines }

    func started(job: Int64, name: String, rounds: ClosedRange<Int>) {
        self.job = job
        lines.write(["event": "job_started", "job": job, "name": name, "first_round": rounds.lowerBound, "last_round": rounds.upperBound],
                    text: "job \(job) \(name): rounds \(rounds.lowerBound)–\(rounds.upperBound)")
    }

    func clientFinished(round: Int, client: Int, of clients: Int) {}

    func roundFinished(round: Int, of rounds: Int, accuracy: Double?) {
        var fields: [String: any Encodable & Sendable] = ["event": "round", "job": job, "round": round, "of": rounds]
        if let accuracy { fields["accuracy"] = accuracy }
        lines.write(fields, text: "job \(job): round \(round) of \(rounds)" + (accuracy.map { String(format: ", test accuracy %.4f", $0) } ?? ""))
    }

    func warning(_ message: String) { lines.write(["event": "warning", "job": job, "message": message], text: "warning: \(message)") }

    func finished() {}
}
