import ArgumentParser
import Foundation
import Pipeline

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a manifest now, in this process.",
        discussion: """
        Validates the manifest and loads the dataset first (a bad manifest or a missing or corrupt dataset \
        stops here, with nothing written), then records the job and runs every round: select clients, \
        local training on each client's shard, aggregation, evaluation on the test images. A progress bar \
        shows on a terminal. Prints the job id and final metrics; see them again with `privfed show JOB`.

        Examples:
          privfed run manifests/quickstart.yaml
          privfed run manifests/quickstart.yaml --json --db results.sqlite
        """
    )

    @Argument(help: "The manifest (YAML).") var manifest: String
    @Flag(help: "Print the summary as JSON (and no progress bar).") var json = false
    @OptionGroup var database: DatabaseOption

    func run() throws {
        try reportingErrors {
            let ready = try JobService.ready(path: manifest)
            let store = try database.open()
            let progress = ProgressBar(enabled: !json && isatty(STDERR_FILENO) == 1)
            let summary = try JobService(database: store).runNow(ready, progress: progress)
            if json { try printJSON(summary); return }
            print("job \(summary.jobId) \(summary.name): \(summary.status) after \(summary.roundsCompleted) rounds in \(String(format: "%.1f", summary.seconds)) s")
            if let acc = summary.accuracy, let loss = summary.loss {
                print(String(format: "test accuracy %.4f, test loss %.4f", acc, loss))
            }
            if let hash = summary.modelSha256 { print("model sha256 \(hash)") }
        }
    }
}
