/// `privfed db copy`: every record of one results database into another, of either engine, with
/// every id kept — so the ledger's hash chains (which hash job ids), its signed heads and every
/// reference between tables hold on the copy, and `privfed audit` passes there as on the source.
///
/// The destination must be a new database (no jobs): a copy never merges. It is written in one
/// transaction, so a copy that fails leaves it as empty as it was. The destination's
/// `privfed_migrations` is its own engine's (its files' SHA-256), not copied.
public struct DatabaseCopy: Sendable {
    /// What was copied: rows per table, in the order they were written.
    public struct Outcome: Sendable, Codable, Equatable {
        public var from: String
        public var to: String
        public var tables: [TableCount]
        public var jobs: Int { tables.first { $0.table == "jobs" }?.rows ?? 0 }
    }

    public struct TableCount: Sendable, Codable, Equatable {
        public var table: String
        public var rows: Int
    }

    /// Tables others reference come first (`jobs`, and `operator_keys` for `ledger_signatures`);
    /// the rest in name order. The schema is the same on both sides (same migrations).
    static let referencedFirst = ["jobs", "operator_keys"]

    public static func copy(from source: ResultsDatabase, to destination: ResultsDatabase,
                            progress: ((String, Int) -> Void)? = nil) throws -> Outcome {
        guard source.migrations.map(\.version) == destination.migrations.map(\.version) else {
            throw ResultsStoreError.sql(message: "\(source.path) and \(destination.path) are at different schema versions; open both with this privfed first")
        }
        let tables = try source.engine.read { db in try db.tableNames() }.filter { $0 != "privfed_migrations" }
        let ordered = referencedFirst.filter(tables.contains) + tables.filter { !referencedFirst.contains($0) }.sorted()
        var counts: [TableCount] = []
        try destination.engine.write { target in
            if let jobs = try Int.fetchOne(target, sql: "SELECT count(*) FROM jobs"), jobs > 0 {
                throw ResultsStoreError.copyIntoNonEmpty(path: destination.path, jobs: jobs)
            }
            for table in ordered {
                let rows = try source.engine.read { db in
                    try SQLRow.fetchAll(db, sql: "SELECT * FROM \(quoted(table)) ORDER BY \(db.insertionOrder)")
                }
                for row in rows {
                    let columns = row.columns.map(quoted).joined(separator: ", ")
                    let marks = row.columns.map { _ in "?" }.joined(separator: ", ")
                    try target.execute(sql: "INSERT INTO \(quoted(table)) (\(columns)) VALUES (\(marks))", arguments: SQLArguments(row.values))
                }
                if target.dialect == .postgres, rows.first?.columns.contains("id") == true {
                    // Explicit ids leave an identity column's sequence behind; the next insert
                    // would collide with a copied row.
                    try target.execute(sql: "SELECT setval(pg_get_serial_sequence(?, 'id'), (SELECT MAX(id) FROM \(quoted(table))))",
                                       arguments: [table])
                }
                counts.append(TableCount(table: table, rows: rows.count))
                progress?(table, rows.count)
            }
        }
        return Outcome(from: source.path, to: destination.path, tables: counts)
    }

    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
