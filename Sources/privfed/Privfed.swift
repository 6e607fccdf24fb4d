import ArgumentParser
import Foundation

@main
struct Privfed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privfed",
        abstract: "Federated learning on MNIST with differential privacy, homomorphic encryption and secure multiparty computation.",
        discussion: """
        A job is a YAML manifest (see manifests/ and docs/manifests.md). Run one now with `privfed run`, or queue \
        it with `privfed submit` for a `privfed worker`. Every stage's timings and metrics land in an \
        SQLite database (--db, default ./privfed.sqlite) that `privfed jobs`, `privfed show` and `privfed \
        query` read — and so does plain sqlite3.

        Start here:
          privfed validate manifests/quickstart.yaml
          privfed run manifests/quickstart.yaml
          privfed query "SELECT round, value FROM metrics WHERE name = 'accuracy'"
        """,
        version: CodeVersion.release,
        subcommands: [
            ValidateCommand.self, RunCommand.self, SubmitCommand.self, WorkerCommand.self, ResumeCommand.self, CancelCommand.self,
            JobsCommand.self, ShowCommand.self, QueryCommand.self, LedgerCommand.self, AuditCommand.self, ReportCommand.self, PrivacyCommand.self, BenchCommand.self,
            ServeCommand.self, ProvisionCommand.self, PartitionCommand.self, DatabaseCommand.self, OrchestratorCommand.self, AgentCommand.self, ShareHolderCommand.self,
        ]
    )

    /// Runs the command line. An argument error prints in the same one-line form as every other
    /// error (`privfed: error: …`, exit 64), not argument-parser's error-plus-usage block; help and
    /// version print as usual.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand { try await asynchronous.run() } else { try command.run() }
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode { exit(withError: error) }
            let text = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            FileHandle.standardError.write(Data("privfed: error: \(TerminalText.escaped(text)) (privfed --help lists the commands)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}

import Pipeline
