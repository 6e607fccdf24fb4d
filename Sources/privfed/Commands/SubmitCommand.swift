import ArgumentParser
import Pipeline

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Validate a manifest and queue it for a worker.",
        discussion: """
        Prints the job id. `privfed worker` runs queued jobs in order of submission; several workers can \
        share one database and never take the same job.

        Example:
          privfed submit manifests/quickstart.yaml && privfed worker --once
        """
    )

    @Argument(help: "The manifest (YAML).") var manifest: String
    @Flag(help: "Print {\"job\": ID} as JSON.") var json = false
    @Option(help: ArgumentHelp("Replay the secrets FILE of an earlier job, or write this job's secrets into DIR (default: $PRIVFED_SECRETS, else privfed-secrets/ beside the database).", valueName: "file-or-dir"))
    var secrets: String?
    @OptionGroup var database: DatabaseOption

    func run() throws {
        try reportingErrors {
            _ = try ManifestReader().read(path: manifest) // validate before the database is touched
            let replay = secretsFileToReplay(secrets)
            let service = JobService(database: try database.open(), secretsDirectory: replay == nil ? secrets : nil)
            let id = try service.submit(path: manifest, secretsFile: replay)
            if json { try printJSON(["job": id]) } else { print(id) }
        }
    }
}
