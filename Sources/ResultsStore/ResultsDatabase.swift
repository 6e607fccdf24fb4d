import Foundation
import GRDB

/// The results database of privfed: one SQLite file in WAL mode, its schema only from the
/// migrations compiled into the binary (`Migration.shipped`).
///
/// A class, because it is a resource with identity (an open file with a connection pool).
/// Opening refuses files that are not SQLite and SQLite files that privfed did not create,
/// before writing a byte to them, so a wrong `--db` never damages someone else's data.
public final class ResultsDatabase: Sendable {
    public let path: String
    public let writer: DatabasePool
    /// The migrations applied to this database, in order.
    public let migrations: [Migration]
    /// The operator's signing key file (see `OperatorKey`): read, or created, on the first
    /// release that is signed; never stored in the database itself.
    public let operatorKeyPath: String
    /// Opened for reading only (`init(readingAt:)`): SQLite refuses every write on it.
    public let isReadOnly: Bool
    /// How long a write waits for another process's lock (`LockRetry`).
    public let lockRetry: LockRetry

    /// The first 16 bytes of every SQLite 3 database file.
    static let sqliteHeader = Array("SQLite format 3\u{0}".utf8)

    /// Opens (and creates, when `create` is true) the database at `path`, applying pending migrations.
    /// `migrations` is the schema (the compiled-in one; tests of the migration rules pass their
    /// own); `operatorKeyFile` defaults to `OperatorKey.defaultPath(besideDatabase:)`.
    public init(path: String, create: Bool = true, migrations files: [Migration] = Migration.shipped,
                operatorKeyFile: String? = nil, lockRetry: LockRetry = LockRetry()) throws {
        self.path = path
        self.operatorKeyPath = operatorKeyFile ?? OperatorKey.defaultPath(besideDatabase: path)
        self.isReadOnly = false
        self.lockRetry = lockRetry
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && !create { throw ResultsStoreError.missingDatabase(path: path) }
        if exists { try Self.checkHeader(path: path) }

        var config = Configuration()
        config.busyMode = lockRetry.busyMode
        config.foreignKeysEnabled = true
        do {
            writer = try DatabasePool(path: path, configuration: config)
            try Self.checkOwnership(writer, path: path)
            migrations = try Self.migrate(writer, files: files, path: path)
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
        }
    }

    /// Opens the existing database at `path` for reading only — the read commands (`jobs`,
    /// `show`, `ledger`, `report`, `audit` of a database it may not write), which so work on a
    /// file of mode 444 or one another user owns. Nothing is migrated: the applied migrations
    /// must be this privfed's, and one it ships that is not applied yet is refused by name (a
    /// writing command applies it).
    public init(readingAt path: String, operatorKeyFile: String? = nil) throws {
        self.path = path
        self.operatorKeyPath = operatorKeyFile ?? OperatorKey.defaultPath(besideDatabase: path)
        self.isReadOnly = true
        self.lockRetry = LockRetry()
        guard FileManager.default.fileExists(atPath: path) else { throw ResultsStoreError.missingDatabase(path: path) }
        try Self.checkHeader(path: path)
        var config = Configuration()
        config.readonly = true
        config.busyMode = lockRetry.busyMode
        config.foreignKeysEnabled = true
        do {
            writer = try DatabasePool(path: path, configuration: config)
            try Self.checkOwnership(writer, path: path)
            let pending = try Self.checkApplied(writer, files: Migration.shipped, path: path)
            if let first = pending.first { throw ResultsStoreError.schemaNotApplied(path: path, version: first.version, name: first.name) }
            migrations = Migration.shipped
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
        }
    }

    /// Opens `path` for a command that only reads: read-only, unless migrations are pending and
    /// the file may be written, when it is migrated first (as before migrations were shipped
    /// that the read commands could not apply).
    public static func forReading(path: String) throws -> ResultsDatabase {
        do {
            return try ResultsDatabase(readingAt: path)
        } catch ResultsStoreError.schemaNotApplied(let p, let v, let n) {
            guard access(path, W_OK) == 0 else { throw ResultsStoreError.schemaNotApplied(path: p, version: v, name: n) }
            return try ResultsDatabase(path: path, create: false)
        }
    }

    /// A read-only connection for `privfed query` and reports: SQLite itself refuses writes on it.
    public static func openReadOnly(path: String) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else { throw ResultsStoreError.missingDatabase(path: path) }
        try checkHeader(path: path)
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
            throw translate(error, path: path)
        }
    }

    static func checkHeader(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ResultsStoreError.notADatabase(path: path) }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 16)) ?? Data()
        if head.isEmpty { return } // an empty file is an empty database
        if Array(head) != sqliteHeader { throw ResultsStoreError.notADatabase(path: path) }
    }

    static func checkOwnership(_ pool: DatabasePool, path: String) throws {
        try pool.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            if !tables.isEmpty && !tables.contains("privfed_migrations") {
                throw ResultsStoreError.foreignDatabase(path: path, tables: tables)
            }
        }
    }

    /// Checks the migrations applied to the database against `files` and returns those not
    /// applied yet, in order. A database without the `privfed_migrations` table has none applied.
    static func checkApplied(_ pool: DatabasePool, files: [Migration], path: String) throws -> [Migration] {
        let applied = try pool.read { db -> [Row] in
            guard try db.tableExists("privfed_migrations") else { return [] }
            return try Row.fetchAll(db, sql: "SELECT version, name, sha256 FROM privfed_migrations ORDER BY version")
        }
        let byVersion = Dictionary(uniqueKeysWithValues: files.map { ($0.version, $0) })
        for row in applied {
            let version: Int = row["version"], name: String = row["name"], recorded: String = row["sha256"]
            guard let file = byVersion[version] else {
                if version > (files.last?.version ?? 0) {
                    throw ResultsStoreError.newerSchema(path: path, version: version, known: files.last?.version ?? 0)
                }
                throw ResultsStoreError.migrationMissing(version: version, name: name)
            }
            if file.sha256 != recorded {
                throw ResultsStoreError.migrationChanged(version: version, name: name, recorded: recorded, actual: file.sha256)
            }
        }
        let appliedVersions = Set(applied.map { $0["version"] as Int })
        return files.filter { !appliedVersions.contains($0.version) }
    }

    static func migrate(_ pool: DatabasePool, files: [Migration], path: String) throws -> [Migration] {
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS privfed_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL)
                """)
        }
        // Each migration in its own transaction with foreign key enforcement off, so one may
        // rebuild a table others reference (sqlite.org/lang_altertable.html, as GRDB's migrator
        // does); `PRAGMA foreign_key_check` must be empty before it commits.
        for migration in try checkApplied(pool, files: files, path: path) {
            do {
                try pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA foreign_keys = OFF")
                    defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
                    try db.inTransaction {
                        try db.execute(sql: migration.sql)
                        if let violation = try Row.fetchOne(db, sql: "PRAGMA foreign_key_check") {
                            throw ResultsStoreError.migrationFailed(file: migration.file, message: "leaves a foreign key unsatisfied in table \(violation[0] as String? ?? "?")")
                        }
                        try db.execute(sql: "INSERT INTO privfed_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)",
                                       arguments: [migration.version, migration.name, migration.sha256, Timestamp.now()])
                        return .commit
                    }
                }
            } catch let error as DatabaseError {
                throw ResultsStoreError.migrationFailed(file: migration.file, message: error.message ?? "\(error)")
            }
        }
        return files
    }

    static func translate(_ error: DatabaseError, path: String) -> ResultsStoreError {
        switch error.resultCode {
        case .SQLITE_NOTADB: return .notADatabase(path: path)
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .databaseLocked(path: path)
        default: return .sql(message: "\(path): \(error.message ?? "\(error)")")
        }
    }
}

/// Timestamps are stored as ISO 8601 UTC text with milliseconds, readable in plain sqlite3.
public enum Timestamp {
    public static func now() -> String { string(Date()) }

    public static func string(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    public static func date(_ string: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: string)
    }
}
