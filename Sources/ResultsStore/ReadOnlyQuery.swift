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
}

/// Runs one statement on a read-only connection. A statement that would write is refused twice
/// over: by SQLite's own `sqlite3_stmt_readonly` before it runs, and by the read-only connection.
public enum ReadOnlyQuery {
    public static func run(path: String, sql: String) throws -> QueryResult {
        let queue = try ResultsDatabase.openReadOnly(path: path)
        do {
            return try queue.read { db in
                let statement = try onlyStatement(db, sql)
                guard statement.isReadonly, !changesConnection(statement) else { throw ResultsStoreError.writeRefused(sql: sql) }
                let columns = statement.columnNames
                let rows = try Row.fetchAll(statement).map { row in
                    Array(row.databaseValues).map { value -> QueryValue in
                        switch value.storage {
                        case .null: return .null
                        case .int64(let v): return .integer(v)
                        case .double(let v): return .real(v)
                        case .string(let v): return .text(v)
                        case .blob(let d): return .blob(d.count)
                        }
                    }
                }
                return QueryResult(columns: columns, rows: rows)
            }
        } catch let error as DatabaseError {
            if error.resultCode == .SQLITE_READONLY { throw ResultsStoreError.writeRefused(sql: sql) }
            throw ResultsStoreError.sql(message: error.message ?? "\(error)")
        }
    }

    /// The one statement of `sql`. Several are refused before any runs: `privfed query` answers
    /// with one result, and a second statement is where a write would hide.
    static func onlyStatement(_ db: Database, _ sql: String) throws -> Statement {
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
