import ArgumentParser
import Foundation
import Pipeline
import ResultsStore

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue an interrupted job from its last completed round.",
        discussion: """
        A worker killed mid-job (SIGKILL, power loss) leaves the database as it was after the last \
        committed transaction: every completed round is recorded with a checkpoint of the global model and \
        the learning rate. resume takes the job's lease, rebuilds the privacy history from the ledger, and \
        runs the remaining rounds. In reproducible mode the final model equals an uninterrupted run's bit \
        for bit, and a round that had already put its releases on the privacy ledger makes the same \
        releases again, which are checked against the ledger, not counted twice. In secure mode those \
        interrupted releases stay spent and the round's fresh releases are new spends (see docs/deployment.md, Crash \
        safety and resume).

        resume refuses a finished job, and a job whose lease another worker still holds (it may be \
        running); --force takes the lease anyway — that worker then stops, without writing, at its next \
        write. `privfed worker` does the same on its own for jobs whose lease expired.

        Examples:
          privfed resume 3
          privfed resume 3 --force --json --db results.sqlite
        """
    )

    @Argument(help: "The job id (see privfed jobs).") var job: Int64
    @Flag(help: "Take the job even though another worker's lease on it is still live.") var force = false
    @Option(help: "Seconds the lease lasts without renewal (renewed every quarter of it).") var lease: Double = ResultsDatabase.defaultLeaseSeconds
    @Flag(help: "Print the summary as JSON (and no progress bar).") var json = false
    @OptionGroup var database: DatabaseOption

    func validate() throws {
        guard lease > 0 else { throw ValidationError("--lease must be positive") }
    }

    func run() throws {
        try reportingErrors {
            var service = JobService(database: try database.open(create: false))
            service.leaseSeconds = lease
            service.requestDatasets = RequestDatasets(manifestsDirectory: "manifests", root: "datasets")
            service.faults = try FaultInjection.from(environment: ProcessInfo.processInfo.environment)
            let before = try service.database.job(id: job)
            if force, before.status == .running, let holder = before.worker, let expires = before.leaseExpiresAt, expires >= Timestamp.now() {
                FileHandle.standardError.write(Data("privfed: warning: taking job \(job) from worker \(holder), whose lease runs until \(expires); if it is still alive it stops at its next write\n".utf8))
            }
            if !json, let checkpoint = try service.database.checkpoint(jobId: job) {
                FileHandle.standardError.write(Data("resuming job \(job) \(TerminalText.escaped(before.name)) after round \(checkpoint.round) of \(before.roundsPlanned)\n".utf8))
            }
            let progress = ProgressBar(enabled: !json && isatty(STDERR_FILENO) == 1)
            let trap = SignalTrap()
            service.stopRequest = trap.stop
            var summary = try service.resume(jobId: job, force: force, progress: progress)
            try SignalTrap.reportInterruption(summary, json: json)
            summary.privacy = try PrivacyOutcome.load(service.database, jobId: summary.jobId)
            if json { try printJSON(summary) } else {
                for line in JobSummaryText.lines(summary) { print(line) }
            }
            if summary.status != JobStatus.succeeded.rawValue { throw ExitCode(1) }
        }
    }
}
