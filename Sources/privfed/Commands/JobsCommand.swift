import ArgumentParser
import Pipeline
import ResultsStore

struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List jobs, newest first.",
        discussion: "Shows each job's id, name, status, rounds completed of planned, final accuracy and times."
    )

    @Option(help: "Show at most this many jobs.") var limit: Int = 50
    @Flag(help: "Print JSON for scripts.") var json = false
    @OptionGroup var database: DatabaseOption

    func run() throws {
        try reportingErrors {
            let store = try database.openForReading()
            let jobs = try store.jobs(limit: limit)
            if json { try printJSON(jobs); return }
            if jobs.isEmpty { print("no jobs yet (privfed run MANIFEST, or privfed submit MANIFEST)"); return }
            let rows = jobs.map { job -> [String] in
                // A name written before names were limited can be megabytes: a listing shows its start.
                let name = job.name.count > JobName.maximumLength ? String(job.name.prefix(JobName.maximumLength)) + "…" : job.name
                return [String(job.id ?? 0), name, job.status.rawValue, "\(job.roundsCompleted)/\(job.roundsPlanned)",
                 job.createdAt, job.finishedAt ?? "", job.error.map { String($0.prefix(60)) } ?? ""]
            }
            print(TableFormatter.table(columns: ["id", "name", "status", "rounds", "created", "finished", "error"], rows: rows))
        }
    }
}
