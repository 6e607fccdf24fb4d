import ArgumentParser
import Foundation
import ResultsStore

struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Move a results database between SQLite and PostgreSQL.",
        subcommands: [DatabaseCopyCommand.self])
}

struct DatabaseCopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy every record of one results database into a new one.",
        discussion: """
        Copies every job with its rounds, metrics, ledger, signatures, checkpoints and audits, ids \
        and all, so the ledger's hash chains and signed heads hold on the copy and privfed audit \
        passes there. The destination is created and migrated if needed and must hold no jobs; it \
        is written in one transaction, so a failed copy leaves it empty. The source is only read.

        Examples:
          privfed db copy --from sqlite:privfed.sqlite --to postgres://pf@db/privfed
          privfed db copy --from postgres://pf@db/privfed --to archive.sqlite
        """)

    @Option(help: ArgumentHelp("The database to read: an SQLite file (sqlite:FILE or FILE) or a postgres:// URL.", valueName: "location"))
    var from: String
    @Option(help: ArgumentHelp("The new database to write: an SQLite file (sqlite:FILE or FILE) or a postgres:// URL.", valueName: "location"))
    var to: String
    @Flag(help: "Print the rows copied per table as JSON.") var json = false

    /// `sqlite:FILE` names a file explicitly (a path that starts with `postgres:` would not be one).
    static func location(_ text: String) -> String {
        text.hasPrefix("sqlite:") ? String(text.dropFirst("sqlite:".count)) : text
    }

    func run() throws {
        try reportingErrors {
            let source = try ResultsDatabase.forReading(path: Self.location(from))
            let destination = try ResultsDatabase(path: Self.location(to))
            let outcome = try DatabaseCopy.copy(from: source, to: destination)
            if json { return try printJSON(outcome) }
            for t in outcome.tables where t.rows > 0 { print("\(t.table): \(t.rows) rows") }
            print("copied \(outcome.jobs) job(s) from \(outcome.from) to \(outcome.to); check it with privfed audit --all --db \(outcome.to)")
        }
    }
}
