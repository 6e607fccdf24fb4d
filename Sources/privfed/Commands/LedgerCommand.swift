import ArgumentParser
import Foundation
import ResultsStore

struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Show a job's privacy ledger: ε spent per party and round, the budget and what is left.",
        discussion: """
        Every release of a DP-protected update has one ledger row: the party, round, sampling rate q, \
        noise multiplier σ, steps, clipping norm C, δ, ε of the release and ε spent so far under the RDP \
        and the numerical accountant, the budget and the decision (released or blocked). Rows are \
        append-only and hash-chained; the chain is verified every time this command runs.

        --watch follows a running job (the privacy monitor): it prints new rows as they are written and a \
        warning when a party passes 80% of its budget, and stops when the job ends.
        """
    )

    @Argument(help: "The job id.") var job: Int64
    @Flag(help: "Print JSON for scripts.") var json = false
    @Flag(help: "Follow a running job's spend until it ends.") var watch = false
    @Option(help: "Seconds between polls with --watch.") var interval: Double = 1
    @OptionGroup var database: DatabaseOption

    func run() throws {
        try reportingErrors {
            let store = try database.openForReading()
            _ = try store.job(id: job)
            if watch { try follow(store); return }
            let report = try LedgerReport.load(store, jobId: job)
            let (summary, rows) = (report.summary, report.rows)
            if json { try printJSON(report); return }
            if rows.isEmpty { print("job \(job) has no privacy ledger rows (differential privacy is off for it)"); return }
            printStatement(summary)
            print("")
            print(TableFormatter.table(columns: ["round", "party", "q", "sigma", "steps", "C", "eps round", "eps spent (rdp)", "eps spent (pld)", "decision"],
                                       rows: rows.map(Self.cells)))
        }
    }

    static func cells(_ row: LedgerRow) -> [String] {
        let e = row.entry
        return [String(e.round), e.party, String(format: "%.4g", e.samplingRate), String(format: "%.4g", e.noiseMultiplier),
                String(e.steps), String(format: "%.3g", e.maxGradNorm), String(format: "%.4f", e.epsilonRound),
                String(format: "%.4f", e.epsilonSpentRDP), e.epsilonSpentPLD.map { String(format: "%.4f", $0) } ?? "", e.decision]
    }

    func printStatement(_ s: LedgerSummary) {
        let unit = s.unit == "client" ? "one client's whole dataset (client-level DP)" : "one training example (example-level DP)"
        print("unit of privacy: \(unit); neighbouring datasets differ by adding or removing \(s.unit == "client" ? "one client" : "one example")")
        print("mechanism: Poisson-subsampled Gaussian; δ = \(s.delta.map { "\($0)" } ?? "-"); budget ε = \(s.budget.map { "\($0)" } ?? "-")")
        print("accounting: ε under both RDP and PLD; the budget is enforced by \(s.accountant ?? "-") (\(s.accountantVersion ?? "-"))")
        print("ledger: \(s.chain)")
        print("")
        print(TableFormatter.table(columns: ["party", "rounds", "eps spent (rdp)", "eps spent (pld)", "budget", "left (\(s.accountant ?? "-"))", "status"],
                                   rows: s.parties.map {
                                       [$0.party, String($0.rounds), String(format: "%.4f", $0.epsilonSpent),
                                        $0.epsilonSpentPLD.map { String(format: "%.4f", $0) } ?? "",
                                        String(format: "%.4g", $0.budget), String(format: "%.4f", $0.remaining),
                                        $0.blocked ? "blocked" : "ok"]
                                   }))
    }

    /// The privacy monitor: prints rows as they arrive and warns once per party at 80% of budget.
    func follow(_ store: ResultsDatabase) throws {
        var seen = 0
        var warned = Set<String>()
        while true {
            let rows = try store.ledger(jobId: job)
            for row in rows.dropFirst(seen) {
                let e = row.entry
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    print(String(decoding: try encoder.encode(row), as: UTF8.self))
                } else {
                    print(String(format: "round %d %@: ε %.4f of %.4g (%@, %@)", e.round, e.party, e.enforcedEpsilonSpent, e.budgetEpsilon, e.accountant, e.decision))
                }
                let spent = e.enforcedEpsilonSpent
                if spent >= 0.8 * e.budgetEpsilon && !warned.contains(e.party) {
                    warned.insert(e.party)
                    FileHandle.standardError.write(Data("privfed: warning: \(e.party) has spent \(String(format: "%.0f", 100 * spent / e.budgetEpsilon))% of its privacy budget (ε \(String(format: "%.4f", spent)) of \(e.budgetEpsilon))\n".utf8))
                }
            }
            seen = rows.count
            fflush(nil)
            if try store.job(id: job).status.isFinished { break }
            Thread.sleep(forTimeInterval: interval)
        }
    }
}
