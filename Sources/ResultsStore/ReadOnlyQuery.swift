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
                let statement = try db.makeStatement(sql: sql)
                guard statement.isReadonly else { throw ResultsStoreError.writeRefused(sql: sql) }
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
}
