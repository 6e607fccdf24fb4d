import ArgumentParser
import Foundation
import Pipeline
import ResultsStore

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run interrupted and queued jobs, oldest first.",
        discussion: """
        Takes one job at a time with a lease recorded in the database (SQLite serialises the take and PostgreSQL locks it FOR UPDATE SKIP LOCKED, so two \
        workers never run the same job), runs it, and takes the next. Jobs whose worker died (status \
        running, lease expired) come first and continue from their last completed round, as `privfed \
        resume` does; then queued jobs, oldest first. While it works the worker renews its lease every \
        quarter of --lease seconds, so a slow round is never taken over; a worker that finds its job taken \
        stops without writing. Without --once or --exit-when-idle it keeps polling until interrupted.
        """
    )

    @Flag(help: "Run at most one job, then exit.") var once = false
    @Flag(help: "Exit when the queue is empty.") var exitWhenIdle = false
    @Option(help: "Seconds between polls of an empty queue.") var poll: Double = 2
    @Option(help: "Seconds a lease lasts without renewal; a job whose worker is silent this long is taken over.")
    var lease: Double = ResultsDatabase.defaultLeaseSeconds
    @Flag(help: "Print one JSON summary line per job.") var json = false
    @Option(help: ArgumentHelp("Where HTTP-submitted manifests read relative dataset paths.", valueName: "dir"))
    var manifests = "manifests"
    @Option(help: ArgumentHelp("Where HTTP-submitted manifests without a dataset path find mnist/.", valueName: "dir"))
    var datasetsRoot = "datasets"
    @OptionGroup var database: DatabaseOption

    func validate() throws {
        guard lease > 0 else { throw ValidationError("--lease must be positive") }
    }

    func run() throws {
        try reportingErrors {
            var service = JobService(database: try database.open())
            service.leaseSeconds = lease
            service.requestDatasets = RequestDatasets(manifestsDirectory: manifests, root: datasetsRoot)
            service.faults = try FaultInjection.from(environment: ProcessInfo.processInfo.environment)
            let trap = SignalTrap()
            service.stopRequest = trap.stop
            var failures = 0
            while trap.stop.signal == nil {
                let progress = ProgressBar(enabled: !json && isatty(STDERR_FILENO) == 1)
                if let summary = try service.workOnce(progress: progress) {
                    try SignalTrap.reportInterruption(summary, json: json)
                    if summary.status != "succeeded" { failures += 1 }
                    if json {
                        let encoder = JSONEncoder()
                        encoder.outputFormatting = [.sortedKeys]
                        print(String(decoding: try encoder.encode(summary), as: UTF8.self))
                    } else {
                        let acc = summary.accuracy.map { String(format: ", test accuracy %.4f", $0) } ?? ""
                        print("job \(summary.jobId) \(TerminalText.escaped(summary.name)): \(summary.status)\(acc)"
                              + (summary.error.map { " — " + TerminalText.escaped($0) } ?? ""))
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
