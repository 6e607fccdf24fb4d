import ArgumentParser
import Foundation
import Pipeline
import ResultsStore

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a manifest now, in this process.",
        discussion: """
        Validates the manifest and loads the dataset first (a bad manifest or a missing or corrupt dataset \
        stops here, with nothing written), then records the job and runs every round: select clients, \
        local training on each client's shard, aggregation, evaluation on the test images. A progress bar \
        shows on a terminal. Prints the job id and final metrics; see them again with `privfed show JOB`.

        Every party (each client, the aggregator, share-holders, the auditor) draws its private randomness from its own fresh 256-bit root, never from the manifest seed, so two runs of one manifest train two different models. With randomness: reproducible the roots are written to a secrets file (mode 0600) outside the database, whose path is printed; only a SHA-256 commitment to each root is recorded. Keep that file to re-execute the job (`privfed audit JOB --reproduce`), or give it to --secrets to replay the job on purpose.

        Examples:
          privfed run manifests/quickstart.yaml
          privfed run manifests/quickstart.yaml --json --db results.sqlite
          privfed run manifests/quickstart.yaml --secrets job-1-1a2b3c4d.secrets.json
        """
    )

    @Argument(help: "The manifest (YAML).") var manifest: String
    @Flag(help: "Print the summary as JSON (and no progress bar).") var json = false
    @Option(help: ArgumentHelp("Replay the secrets FILE of an earlier job, or write this job's secrets into DIR (default: $PRIVFED_SECRETS, else privfed-secrets/ beside the database).", valueName: "file-or-dir"))
    var secrets: String?
    @OptionGroup var database: DatabaseOption

    func run() throws {
        try reportingErrors {
            let replay = secretsFileToReplay(secrets)
            let ready = try JobService.ready(path: manifest, secretsFile: replay)
            let store = try database.open()
            let progress = ProgressBar(enabled: !json && isatty(STDERR_FILENO) == 1)
            var service = JobService(database: store, secretsDirectory: replay == nil ? secrets : nil)
            let trap = SignalTrap()
            service.stopRequest = trap.stop
            var summary = try service.runNow(ready, progress: progress)
            try SignalTrap.reportInterruption(summary, json: json)
            summary.privacy = try PrivacyOutcome.load(store, jobId: summary.jobId)
            if json { try printJSON(summary); return }
            for line in JobSummaryText.lines(summary) { print(line) }
            if let file = try store.secretsPath(jobId: summary.jobId) {
                print("secrets \(file)\(replay == nil ? "" : " (replayed)") — keep it to re-execute the job")
            }
        }
    }
}
