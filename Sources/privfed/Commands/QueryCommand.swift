import ArgumentParser
import ResultsStore

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run a read-only SQL query on the results database.",
        discussion: """
        The connection is read-only: a statement that would write (INSERT, UPDATE, DELETE, DROP, …) is \
        refused before it runs. Tables: jobs, rounds, stage_runs, metrics, artifacts, privacy_ledger, \
        audits, checkpoints, partitions, resumptions, he_keys, canary_audits, canary_scores, \
        privfed_migrations (see docs/database.md). Plain sqlite3 reads the same file.

        Examples:
          privfed query "SELECT stage, count(*) FROM stage_runs GROUP BY stage"
          privfed query --format csv \\
            "SELECT round, value FROM metrics WHERE job_id = 1 AND name = 'accuracy'"
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

    @Argument(help: "One SQL statement.") var sql: String
    @Option(help: "Output format: table, csv or json.") var format: Format = .table
    @OptionGroup var database: DatabaseOption

    func run() throws {
        try reportingErrors {
            let result = try ReadOnlyQuery.run(path: database.db, sql: sql)
            let rows = result.rows.map { $0.map { $0 == .null ? "" : $0.description } }
            switch format {
            case .table:
                print(TableFormatter.table(columns: result.columns, rows: result.rows.map { $0.map(\.description) }))
                print("(\(result.rows.count) row\(result.rows.count == 1 ? "" : "s"))")
            case .csv: print(TableFormatter.csv(columns: result.columns, rows: rows))
            case .json: print(TableFormatter.json(result))
            }
        }
    }
}
