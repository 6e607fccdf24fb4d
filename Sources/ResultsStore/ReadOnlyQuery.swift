import Foundation
import GRDB

/// The result of a read-only SQL query: column names and rows of display values.
public struct QueryResult: Sendable {
    public var columns: [String]
    /// Each cell as SQLite holds it: Int64, Double, String, a blob's byte count as "<N bytes>", or nil.
    public var rows: [[QueryValue]]
}

/// One cell of a query result.
public enum QueryValue: Sendable, Equatable, CustomStringConvertible {
    case null, integer(Int64), real(Double), text(String), blob(Int)

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let v): return v
        case .blob(let n): return "<\(n) bytes>"
        }
    }

    /// A stored value as shown: a blob by its size only (a query's reader wants to know it is
    /// there, not to page through ciphertext).
    public init(_ value: SQLValue) {
        switch value {
        case .null: self = .null
        case .integer(let v): self = .integer(v)
        case .real(let v): self = .real(v)
        case .text(let v): self = .text(v)
        case .blob(let b): self = .blob(b.count)
        }
    }
}

/// Runs one statement on a read-only connection.
///
/// SQLite: a statement that would write is refused twice over, by SQLite's own
/// `sqlite3_stmt_readonly` before it runs and by the read-only connection.
/// PostgreSQL: the statement runs in a `READ ONLY` transaction of a session that is read-only by
/// default, as the role `privfed_reader` (SELECT on privfed's tables and nothing else) when the
/// server has it and the user may take it; the server refuses any write.
public enum ReadOnlyQuery {
    public static func run(path: String, sql: String) throws -> QueryResult {
        if let url = try PostgresURL(parsing: path) { return try runOnServer(url, sql: sql) }
        let queue = try openReadOnly(path: path)
        do {
            return try queue.read { db in
                let statement = try onlyStatement(db, sql)
                guard statement.isReadonly, !changesConnection(statement) else { throw ResultsStoreError.writeRefused(sql: sql) }
                let columns = statement.columnNames
                let rows = try GRDB.Row.fetchAll(statement).map { row in
                    Array(row.databaseValues).map { QueryValue(SQLiteSession.value($0)) }
                }
                return QueryResult(columns: columns, rows: rows)
            }
        } catch let error as DatabaseError {
            if error.resultCode == .SQLITE_READONLY { throw ResultsStoreError.writeRefused(sql: sql) }
            throw ResultsStoreError.sql(message: error.message ?? "\(error)")
        }
    }

    static func runOnServer(_ url: PostgresURL, sql: String) throws -> QueryResult {
        let statements = SQLScript.statements(sql)
        guard !statements.isEmpty else { throw QueryRefused.noStatement }
        guard statements.count == 1 else { throw QueryRefused.severalStatements }
        let engine = try PostgresEngine(url: url, readOnly: true)
        try ResultsDatabase.checkOwnership(engine, path: url.redacted)
        return try engine.read { db in
            if try Bool.fetchOne(db, sql: PostgresReaderRole.canTakeSQL) == true {
                try db.execute(sql: "SET LOCAL ROLE \(PostgresReaderRole.name)")
            }
            let rows = try db.fetchAll(sql: statements[0], arguments: [])
            // Column names come with the rows; an empty result shows none (PostgreSQL's row
            // description is not kept by the driver without rows).
            let columns = rows.first?.columns ?? []
            return QueryResult(columns: columns, rows: rows.map { row in row.values.map(QueryValue.init) })
        }
    }

    /// A read-only connection to an SQLite file: SQLite itself refuses writes on it.
    static func openReadOnly(path: String) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else { throw ResultsStoreError.missingDatabase(path: path) }
        try ResultsDatabase.checkHeader(path: path)
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            let known = try queue.read { db in try db.tableExists("privfed_migrations") }
            if !known {
                let tables = try queue.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
                throw ResultsStoreError.foreignDatabase(path: path, tables: tables)
            }
            return queue
        } catch let error as DatabaseError {
            throw SQLiteEngine.translate(error, path: path)
        }
    }

    /// The one statement of `sql`. Several are refused before any runs: `privfed query` answers
    /// with one result, and a second statement is where a write would hide.
    static func onlyStatement(_ db: GRDB.Database, _ sql: String) throws -> Statement {
        let statements = try db.allStatements(sql: sql)
        guard let first = try statements.next() else { throw QueryRefused.noStatement }
        if try statements.next() != nil { throw QueryRefused.severalStatements }
        return first
    }

    /// A PRAGMA that sets something, or `writable_schema` at all: SQLite calls these read-only
    /// because they write no page, but they change what the connection may do next (with
    /// `writable_schema` on, the schema itself can be edited), so they are refused like writes.
    static func changesConnection(_ statement: Statement) -> Bool {
        let text = statement.sql.lowercased().trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("pragma") else { return false }
        return text.contains("writable_schema") || text.contains("=") || text.contains("(") && !introspection(text)
    }

    /// PRAGMAs that take an argument only to say what to describe (`table_info(jobs)`).
    private static func introspection(_ pragma: String) -> Bool {
        ["table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list", "integrity_check",
         "quick_check"].contains { pragma.contains($0) }
    }
}

/// A `privfed query` text that is not exactly one statement.
public enum QueryRefused: Error, CustomStringConvertible, Equatable {
    case noStatement
    case severalStatements

    public var description: String {
        switch self {
        case .noStatement: return "privfed query needs one SQL statement, and this text has none"
        case .severalStatements:
            return "privfed query runs exactly one SQL statement, and this text has several; run them one at a time"
        }
    }
}
