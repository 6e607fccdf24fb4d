/// `privfed db copy`: every record of one results database into another, of either engine, with
/// every id kept — so the ledger's hash chains (which hash job ids), its signed heads and every
/// reference between tables hold on the copy, and `privfed audit` passes there as on the source.
///
/// The destination must be a new database (no jobs): a copy never merges. It is written in one
/// transaction from one read snapshot of the source, so a copy that fails leaves the destination
/// as empty as it was, and a copy taken while workers write is the source as it stood at one
/// instant. The destination's `privfed_migrations` is its own engine's (its files' SHA-256).
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

    /// Rows are read and written this many at a time, so a copy never holds a whole table (model
    /// and ciphertext artifacts can be megabytes a row) in memory.
    static let batchRows = 256

    public static func copy(from source: ResultsDatabase, to destination: ResultsDatabase,
                            progress: ((String, Int) -> Void)? = nil) throws -> Outcome {
        guard source.migrations.map(\.version) == destination.migrations.map(\.version) else {
            throw ResultsStoreError.sql(message: "\(source.path) and \(destination.path) are at different schema versions; open both with this privfed first")
        }
        var counts: [TableCount] = []
        try destination.engine.write { target in
            if let jobs = try Int.fetchOne(target, sql: "SELECT count(*) FROM jobs"), jobs > 0 {
                throw ResultsStoreError.copyIntoNonEmpty(path: destination.path, jobs: jobs)
            }
            // One read transaction for every table: the copy is one snapshot of the source, so a
            // worker writing meanwhile cannot leave a row here whose job, or a ledger head whose
            // signature, falls between two tables' reads.
            try source.engine.read { db in
                let tables = try db.tableNames().filter { $0 != "privfed_migrations" }
                let ordered = referencedFirst.filter(tables.contains) + tables.filter { !referencedFirst.contains($0) }.sorted()
                for table in ordered {
                    // The statement once per table, from the source's columns; the same names
                    // select every batch, so each row's values come in the statement's order.
                    let columnNames = try db.columnNames(of: table)
                    let hasId = columnNames.contains("id")
                    let columns = columnNames.map(quoted).joined(separator: ", ")
                    let insert = "INSERT INTO \(quoted(table)) (\(columns)) VALUES (\(columnNames.map { _ in "?" }.joined(separator: ", ")))"
                    var copied = 0
                    try forEachBatch(of: table, columns: columns, keyedById: hasId, in: db) { batch in
                        for row in batch { try target.execute(sql: insert, arguments: SQLArguments(row.values)) }
                        copied += batch.count
                    }
                    if target.dialect == .postgres, hasId, copied > 0 {
                        // Explicit ids leave an identity column's sequence behind; the next insert
                        // would collide with a copied row.
                        try target.execute(sql: "SELECT setval(pg_get_serial_sequence(?, 'id'), (SELECT MAX(id) FROM \(quoted(table))))",
                                           arguments: [table])
                    }
                    counts.append(TableCount(table: table, rows: copied))
                    progress?(table, copied)
                }
            }
        }
        return Outcome(from: source.path, to: destination.path, tables: counts)
    }

    /// `table`'s rows, `batchRows` at a time, in id order where it has one (each batch starts past
    /// the last id seen) and otherwise in the engine's row order (rowid, ctid), which is stable
    /// within the one snapshot the copy reads.
    static func forEachBatch(of table: String, columns: String, keyedById: Bool, in db: any SQLSession,
                             _ body: ([SQLRow]) throws -> Void) throws {
        var lastId: Int64 = .min, offset = 0
        while true {
            let rows: [SQLRow]
            if keyedById {
                rows = try SQLRow.fetchAll(db, sql: "SELECT \(columns) FROM \(quoted(table)) WHERE id > ? ORDER BY id LIMIT \(batchRows)",
                                           arguments: [lastId])
                if let id: Int64 = rows.last?["id"] { lastId = id }
            } else {
                let order = db.dialect == .sqlite ? "rowid" : "ctid"
                rows = try SQLRow.fetchAll(db, sql: "SELECT \(columns) FROM \(quoted(table)) ORDER BY \(order) LIMIT \(batchRows) OFFSET \(offset)")
                offset += rows.count
            }
            if !rows.isEmpty { try body(rows) }
            if rows.count < batchRows { return }
        }
    }

    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
