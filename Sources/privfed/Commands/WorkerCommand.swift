import ArgumentParser
import Foundation
import Pipeline

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run queued jobs, oldest first.",
        discussion: """
        Takes one queued job at a time with a lease recorded in the database (SQLite serialises the take,
        so two workers never run the same job), runs it, and takes the next. Without --once or
        --exit-when-idle it keeps polling the queue until interrupted.
        """
    )

    @Flag(help: "Run at most one job, then exit.") var once = false
    @Flag(help: "Exit when the queue is empty.") var exitWhenIdle = false
    @Option(help: "Seconds between polls of an empty queue.") var poll: Double = 2
    @Flag(help: "Print one JSON summary line per job.") var json = false
    @OptionGroup var database: DatabaseOption

    func run() throws {
        try reportingErrors {
            let service = JobService(database: try database.open())
            var failures = 0
            while true {
                let progress = ProgressBar(enabled: !json && isatty(STDERR_FILENO) == 1)
                if let summary = try service.workOnce(progress: progress) {
                    if summary.status != "succeeded" { failures += 1 }
                    if json {
                        let encoder = JSONEncoder()
                        encoder.outputFormatting = [.sortedKeys]
                        print(String(decoding: try encoder.encode(summary), as: UTF8.self))
                    } else {
                        let acc = summary.accuracy.map { String(format: ", test accuracy %.4f", $0) } ?? ""
                        print("job \(summary.jobId) \(summary.name): \(summary.status)\(acc)\(summary.error.map { " — \($0)" } ?? "")")
                    }
                    if once { break }
                } else {
                    if once || exitWhenIdle { break }
                    Thread.sleep(forTimeInterval: poll)
                }
            }
            if failures > 0 { throw ExitCode(1) }
        }
    }
}
