import ArgumentParser
import Pipeline

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check manifests without running them.",
        discussion: """
        Every problem in every file is reported at once, one per line, as FILE:LINE: key.path: message — \
        unknown keys (with a suggestion for typos), wrong types, values out of range, combinations that \
        cannot run (clients_per_round > clients, …) and privacy settings this version cannot execute yet. \
        Exit status 0 when all files are valid, 1 otherwise. The JSON Schema in \
        manifests/manifest.schema.json describes the same format for editors.
        """
    )

    @Argument(help: "Manifest files (YAML).") var manifests: [String]
    @Flag(help: "Print the parsed manifests (with defaults filled in) as JSON.") var json = false

    func run() throws {
        var failed = false
        var parsed: [JobManifest] = []
        for path in manifests {
            do {
                let (manifest, _) = try ManifestReader().read(path: path)
                parsed.append(manifest)
                if !json { print("\(path): ok (\(manifest.name): \(manifest.model.architecture.rawValue), \(manifest.dataset.clients) clients, \(manifest.federation.rounds) rounds; stages \(manifest.stages.map(\.rawValue).joined(separator: " → ")))") }
            } catch let error as ManifestError {
                failed = true
                for issue in error.issues { print(issue.description) }
            }
        }
        if json { try printJSON(parsed) }
        if failed { throw ExitCode(1) }
    }
}
