import ArgumentParser

@main
struct Privfed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privfed",
        abstract: "Federated learning on MNIST with differential privacy, homomorphic encryption and secure multiparty computation.",
        discussion: """
        A job is a YAML manifest (see manifests/ and README.md). Run one now with `privfed run`, or queue \
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
            ValidateCommand.self, RunCommand.self, SubmitCommand.self, WorkerCommand.self, ResumeCommand.self,
            JobsCommand.self, ShowCommand.self, QueryCommand.self, LedgerCommand.self, AuditCommand.self, ReportCommand.self, PrivacyCommand.self, BenchCommand.self,
            ServeCommand.self, ProvisionCommand.self, PartitionCommand.self,
        ]
    )
}

import Pipeline
