import ArgumentParser
import Foundation
import ResultsStore

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one job: its manifest hash, rounds, stage timings and metrics.",
        discussion: """
        Per round: test accuracy and loss, the model's SHA-256, and the time spent in each stage (summed \
        over clients for client-side stages). A job with `audit: { canaries: m }` ends with its empirical \
        lower bound ε_LB next to the accountant's ε. --json prints everything recorded, for scripts.
        """
    )

    @Argument(help: "The job id (see privfed jobs).") var job: Int64
    @Flag(help: "Print JSON for scripts.") var json = false
    @OptionGroup var database: DatabaseOption

    func run() throws {
        try reportingErrors {
            let store = try database.openForReading()
            let detail = try JobDetail.load(store, jobId: job)
            if json { try printJSON(detail); return }
            let (record, runs, metrics, artifacts) = (detail.job, detail.stageRuns, detail.metrics, detail.artifacts)
            let canaries = detail.canaryAudit

            let (name, error) = (TerminalText.escaped(record.name), record.error.map { TerminalText.escaped($0) })
            print("job \(job): \(name) — \(record.status.rawValue)\(error.map { " (\($0))" } ?? "")")
            print("manifest \(TerminalText.escaped(record.manifestPath)) sha256 \(record.manifestSha256)")
            print("seed \(record.seed) (\(record.randomness)), code \(record.codeVersion), rounds \(record.roundsCompleted)/\(record.roundsPlanned)")
            print("created \(record.createdAt), started \(record.startedAt ?? "-"), finished \(record.finishedAt ?? "-")")
            if let privacy = detail.privacy { print(JobSummaryText.privacyLine(privacy)) }
            print("")
            var stages: [String] = []
            for run in runs where !stages.contains(run.stage) { stages.append(run.stage) }
            let rounds = Array(Set(runs.map(\.round))).sorted()
            var rows: [[String]] = []
            for round in rounds {
                func metric(_ name: String) -> String {
                    metrics.last { $0.round == round && $0.name == name && $0.client == nil }.map { String(format: "%.4f", $0.value) } ?? ""
                }
                let model = artifacts.first { $0.round == round && $0.kind == "global_model" }.map { String($0.sha256.prefix(12)) } ?? ""
                let times = stages.map { stage -> String in
                    let ms = runs.filter { $0.round == round && $0.stage == stage }.reduce(0) { $0 + $1.durationMs }
                    return ms == 0 && !runs.contains { $0.round == round && $0.stage == stage } ? "" : String(format: "%.0f", ms)
                }
                rows.append([String(round), metric("accuracy"), metric("loss"), model] + times)
            }
            print(TableFormatter.table(columns: ["round", "accuracy", "loss", "model"] + stages.map { "\($0) ms" }, rows: rows))
            if let canaries, let r = canaries.reveal {
                let claim = r.epsilonAccounted.map { String(format: "ε accounted = %.4f", $0) + " (\(r.accountant ?? "?"), δ = \(r.delta))" }
                    ?? "no DP claimed (bound at δ = 0)"
                print(String(format: "\nempirical privacy: ε_LB = %.4f at %.0f%% confidence from %d canaries (%d of %d guesses correct); ",
                             r.epsilonLowerBound, canaries.confidence * 100, canaries.canaries, r.correct, r.guesses) + claim)
            } else if let canaries {
                print("\nempirical privacy: \(canaries.canaries) canaries committed (\(canaries.commitment.prefix(16))…), not revealed yet")
            }
        }
    }
}
