import Foundation
import GRDB

/// The embedded default: one SQLite file in WAL mode through GRDB's connection pool
/// (readers never wait for the writer; writers wait for each other with `LockRetry`).
public struct SQLiteEngine: ResultsEngine {
    public let pool: DatabasePool
    /// The file, for messages.
    public let path: String
    public var dialect: SQLDialect { .sqlite }

    public init(pool: DatabasePool, path: String) {
        self.pool = pool
        self.path = path
    }

    /// Opens the file at `path` as the store does: foreign keys enforced, lock waits bounded by
    /// `lockRetry`, and, when `readOnly`, a pool that SQLite itself keeps from writing.
    init(path: String, readOnly: Bool, lockRetry: LockRetry) throws {
        var config = Configuration()
        config.readonly = readOnly
        config.busyMode = lockRetry.busyMode
        config.foreignKeysEnabled = true
        do {
            self.init(pool: try DatabasePool(path: path, configuration: config), path: path)
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
        }
    }

    public func read<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try translating { try pool.read { db in try body(SQLiteSession(db: db)) } }
    }

    public func write<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try translating { try pool.write { db in try body(SQLiteSession(db: db)) } }
    }

    /// SQLite has one writer at a time, so a claim is an ordinary write.
    public func claim<T>(_ body: (any SQLSession) throws -> T) throws -> T { try write(body) }

    public func withoutTransaction<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try translating { try pool.writeWithoutTransaction { db in try body(SQLiteSession(db: db)) } }
    }

    /// GRDB's errors become the store's own, so no caller needs to know the engine: a busy or
    /// locked database is `databaseLocked` (LockRetry has already waited its limit), anything
    /// else `sql` with SQLite's message.
    func translating<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
        }
    }

    static func translate(_ error: DatabaseError, path: String) -> ResultsStoreError {
        switch error.resultCode {
        case .SQLITE_NOTADB: return .notADatabase(path: path)
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .databaseLocked(path: path)
        default: return .sql(message: "\(path): \(error.message ?? "\(error)")")
        }
    }
}

/// A GRDB connection inside a transaction. Public so that a tool holding its own GRDB
/// connection to the file (the security tests' attacker, with the triggers dropped) can call
/// the store's own writers on it.
public struct SQLiteSession: SQLSession {
    public let db: GRDB.Database
    public var dialect: SQLDialect { .sqlite }

    public init(db: GRDB.Database) { self.db = db }

    public func execute(sql: String, arguments: SQLArguments) throws -> Int {
        // Cached: the store runs the same few statements for every metric and stage run.
        let statement = try db.cachedStatement(sql: sql)
        try statement.execute(arguments: Self.bind(arguments))
        return db.changesCount
    }

    public func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        let columns = statement.columnNames
        return try GRDB.Row.fetchAll(statement, arguments: Self.bind(arguments)).map { row in
            SQLRow(columns: columns, values: row.databaseValues.map(Self.value))
        }
    }

    public func executeScript(_ sql: String) throws { try db.execute(sql: sql) }

    public func tableExists(_ name: String) throws -> Bool { try db.tableExists(name) }

    public func tableNames() throws -> [String] {
        try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    }

    public func columnNames(of name: String) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid", arguments: [name])
    }

    static func bind(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(arguments.values.map { value -> DatabaseValue in
            switch value {
            case .null: return .null
            case .integer(let v): return v.databaseValue
            case .real(let v): return v.databaseValue
            case .text(let v): return v.databaseValue
            case .blob(let b): return Data(b).databaseValue
            }
        })
    }

    static func value(_ v: DatabaseValue) -> SQLValue {
        switch v.storage {
        case .null: return .null
        case .int64(let i): return .integer(i)
        case .double(let d): return .real(d)
        case .string(let s): return .text(s)
        case .blob(let d): return .blob(Array(d))
        }
    }
}
