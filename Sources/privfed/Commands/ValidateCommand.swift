import ArgumentParser
import Pipeline

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check manifests without running them.",
        discussion: """
        Every problem in every file is reported in one pass, one per line, as FILE:LINE: key.path: \
        message — unknown keys (with a suggestion for typos), wrong types, values out of range, \
        combinations that cannot run (clients_per_round > clients, …), privacy settings this version \
        cannot execute yet, and the dataset: a relative dataset.path is read from the manifest's folder, \
        and its MNIST files must exist and match SHA256SUMS (--no-data skips that). Exit status 0 when \
        all files are valid, 1 otherwise. The JSON Schema in manifests/manifest.schema.json describes \
        the same format for editors.
        """
    )

    @Argument(help: "Manifest files (YAML).") var manifests: [String]
    @Flag(help: "Print one JSON array: per file, the parsed manifest or its problems.") var json = false
    @Flag(help: "Do not check the dataset files (existence, SHA256SUMS).") var noData = false

    /// One file's outcome in `--json`: the manifest with its defaults filled in, or its problems.
    struct Outcome: Encodable {
        var file: String
        var valid: Bool
        var manifest: JobManifest?
        var issues: [ManifestIssue]
    }

    func run() throws {
        let reader = ManifestReader(datasets: DatasetPolicy(verifiesFiles: !noData))
        var outcomes: [Outcome] = []
        for path in manifests {
            do {
                let (manifest, _) = try reader.read(path: path)
                outcomes.append(Outcome(file: path, valid: true, manifest: manifest, issues: []))
                if !json {
                    let stages = manifest.stages.map(\.rawValue).joined(separator: " → ")
                    print("\(path): ok (\(manifest.name): \(manifest.model.architecture.rawValue), \(manifest.dataset.clients) clients, "
                          + "\(manifest.federation.rounds) rounds; stages \(stages))")
                }
            } catch let error as ManifestError {
                outcomes.append(Outcome(file: path, valid: false, manifest: nil, issues: error.issues))
                if !json { for issue in error.issues { print(issue.description) } }
            }
        }
        if json { try printJSON(outcomes) }
        if outcomes.contains(where: { !$0.valid }) { throw ExitCode(1) }
    }
}
