import Foundation
import GRDB

/// The results database of privfed: an SQLite file in WAL mode (the embedded default) or a
/// PostgreSQL database (`--db postgres://user@host:port/dbname`), its schema only from the
/// migrations compiled into the binary (`Migration.shipped(for:)`).
///
/// A class, because it is a resource with identity (an open file or connection).
/// Opening refuses files that are not SQLite, and databases of either engine that privfed did
/// not create, before writing a byte to them, so a wrong `--db` never damages someone else's data.
public final class ResultsDatabase: Sendable {
    /// Where the database is: the SQLite file's path, or the PostgreSQL URL without its password.
    public let path: String
    /// The engine every record goes through.
    public let engine: any ResultsEngine
    /// The migrations applied to this database, in order.
    public let migrations: [Migration]
    /// The operator's signing key file (see `OperatorKey`): read, or created, on the first
    /// release that is signed; never stored in the database itself.
    public let operatorKeyPath: String
    /// Opened for reading only (`init(readingAt:)`): the engine refuses every write on it.
    public let isReadOnly: Bool
    /// How long a write waits for another process's lock (`LockRetry`).
    public let lockRetry: LockRetry
    /// The path whose directory holds what privfed keeps beside the database (the operator key,
    /// secrets files, the parties' local records): the SQLite file itself; for a server, a name
    /// in the working directory.
    public let besidePath: String

    /// `body` sees the database through one read transaction: every read method called on the
    /// view it is given answers from the same snapshot (a worker committing a round meanwhile is
    /// either wholly in what it reads or wholly not), and on PostgreSQL they share one
    /// transaction's round trips. The view refuses writes and must not outlive `body`.
    public func snapshot<T>(_ body: (ResultsDatabase) throws -> T) throws -> T {
        try engine.read { session in try body(ResultsDatabase(viewing: self, through: SnapshotEngine(session: session))) }
    }

    private init(viewing base: ResultsDatabase, through engine: any ResultsEngine) {
        path = base.path
        self.engine = engine
        migrations = base.migrations
        operatorKeyPath = base.operatorKeyPath
        isReadOnly = true
        lockRetry = base.lockRetry
        besidePath = base.besidePath
    }

    /// The first 16 bytes of every SQLite 3 database file.
    static let sqliteHeader = Array("SQLite format 3\u{0}".utf8)

    /// Opens (and creates, when `create` is true) the database at `path` — a file, or a
    /// `postgres://` URL — applying pending migrations. `migrations` is the SQLite schema (the
    /// compiled-in one; tests of the migration rules pass their own); `operatorKeyFile` defaults
    /// to `OperatorKey.defaultPath(besideDatabase:)`.
    public init(path: String, create: Bool = true, migrations files: [Migration]? = nil,
                operatorKeyFile: String? = nil, lockRetry: LockRetry = LockRetry()) throws {
        self.isReadOnly = false
        self.lockRetry = lockRetry
        if let url = try PostgresURL(parsing: path) {
            self.path = url.redacted
            self.besidePath = url.besidePath
            self.operatorKeyPath = operatorKeyFile ?? OperatorKey.defaultPath(besideDatabase: url.besidePath)
            let engine = try PostgresEngine(url: url, lockRetry: lockRetry, readOnly: false)
            self.engine = engine
            try Self.checkOwnership(engine, path: self.path)
            migrations = try Self.migrate(engine, files: files ?? Migration.shipped(for: .postgres), path: self.path)
            return
        }
        self.path = path
        self.besidePath = path
        self.operatorKeyPath = operatorKeyFile ?? OperatorKey.defaultPath(besideDatabase: path)
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && !create { throw ResultsStoreError.missingDatabase(path: path) }
        if exists { try Self.checkHeader(path: path) }

        let engine = try SQLiteEngine(path: path, readOnly: false, lockRetry: lockRetry)
        self.engine = engine
        try Self.checkOwnership(engine, path: path)
        migrations = try Self.migrate(engine, files: files ?? Migration.shipped(for: .sqlite), path: path)
    }

    /// Opens the existing database at `path` for reading only — the read commands (`jobs`,
    /// `show`, `ledger`, `report`, `audit` of a database it may not write), which so work on a
    /// file of mode 444 or one another user owns. Nothing is migrated: the applied migrations
    /// must be this privfed's, and one it ships that is not applied yet is refused by name (a
    /// writing command applies it).
    public init(readingAt path: String, operatorKeyFile: String? = nil) throws {
        self.isReadOnly = true
        self.lockRetry = LockRetry()
        if let url = try PostgresURL(parsing: path) {
            self.path = url.redacted
            self.besidePath = url.besidePath
            self.operatorKeyPath = operatorKeyFile ?? OperatorKey.defaultPath(besideDatabase: url.besidePath)
            let engine = try PostgresEngine(url: url, lockRetry: lockRetry, readOnly: true)
            self.engine = engine
            migrations = try Self.requireApplied(engine, files: Migration.shipped(for: .postgres), path: self.path)
            return
        }
        self.path = path
        self.besidePath = path
        self.operatorKeyPath = operatorKeyFile ?? OperatorKey.defaultPath(besideDatabase: path)
        guard FileManager.default.fileExists(atPath: path) else { throw ResultsStoreError.missingDatabase(path: path) }
        try Self.checkHeader(path: path)
        let engine = try SQLiteEngine(path: path, readOnly: true, lockRetry: lockRetry)
        self.engine = engine
        migrations = try Self.requireApplied(engine, files: Migration.shipped(for: .sqlite), path: path)
    }

    /// Opens `path` for a command that only reads: read-only, unless migrations are pending and
    /// the database may be written, when it is migrated first (as before migrations were shipped
    /// that the read commands could not apply).
    public static func forReading(path: String) throws -> ResultsDatabase {
        do {
            return try ResultsDatabase(readingAt: path)
        } catch ResultsStoreError.schemaNotApplied(let p, let v, let n) {
            let isServer = (try? PostgresURL(parsing: path)) != nil
            guard isServer || access(path, W_OK) == 0 else { throw ResultsStoreError.schemaNotApplied(path: p, version: v, name: n) }
            return try ResultsDatabase(path: path, create: false)
        }
    }

    /// The applied migrations, refusing a foreign database and one with a shipped migration pending.
    static func requireApplied(_ engine: any ResultsEngine, files: [Migration], path: String) throws -> [Migration] {
        try checkOwnership(engine, path: path)
        let pending = try checkApplied(engine, files: files, path: path)
        if let first = pending.first { throw ResultsStoreError.schemaNotApplied(path: path, version: first.version, name: first.name) }
        return files
    }

    static func checkHeader(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ResultsStoreError.notADatabase(path: path) }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 16)) ?? Data()
        if head.isEmpty { return } // an empty file is an empty database
        if Array(head) != sqliteHeader { throw ResultsStoreError.notADatabase(path: path) }
    }

    static func checkOwnership(_ engine: any ResultsEngine, path: String) throws {
        try engine.read { db in
            let tables = try db.tableNames()
            if !tables.isEmpty && !tables.contains("privfed_migrations") {
                throw ResultsStoreError.foreignDatabase(path: path, tables: tables)
            }
        }
    }

    /// Checks the migrations applied to the database against `files` and returns those not
    /// applied yet, in order. A database without the `privfed_migrations` table has none applied.
    static func checkApplied(_ engine: any ResultsEngine, files: [Migration], path: String) throws -> [Migration] {
        try engine.read { db in try checkApplied(db, files: files, path: path) }
    }

    static func checkApplied(_ db: any SQLSession, files: [Migration], path: String) throws -> [Migration] {
        let applied = try db.tableExists("privfed_migrations")
            ? try SQLRow.fetchAll(db, sql: "SELECT version, name, sha256 FROM privfed_migrations ORDER BY version") : []
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

    static func migrate(_ engine: any ResultsEngine, files: [Migration], path: String) throws -> [Migration] {
        switch engine.dialect {
        case .sqlite: try migrateSQLite(engine, files: files, path: path)
        case .postgres: try migratePostgres(engine, files: files, path: path)
        }
        return files
    }

    static func migrateSQLite(_ engine: any ResultsEngine, files: [Migration], path: String) throws {
        try engine.write { db in
            try db.executeScript("""
                CREATE TABLE IF NOT EXISTS privfed_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL)
                """)
        }
        // Each migration in its own transaction with foreign key enforcement off, so one may
        // rebuild a table others reference (sqlite.org/lang_altertable.html, as GRDB's migrator
        // does); `PRAGMA foreign_key_check` must be empty before it commits.
        for migration in try checkApplied(engine, files: files, path: path) {
            do {
                try engine.withoutTransaction { db in
                    try db.executeScript("PRAGMA foreign_keys = OFF")
                    defer { try? db.executeScript("PRAGMA foreign_keys = ON") }
                    try db.executeScript("BEGIN IMMEDIATE")
                    do {
                        try db.executeScript(migration.sql)
                        if let violation = try SQLRow.fetchOne(db, sql: "PRAGMA foreign_key_check") {
                            throw ResultsStoreError.migrationFailed(file: migration.file, message: "leaves a foreign key unsatisfied in table \(violation[0] as String? ?? "?")")
                        }
                        try record(migration, db: db)
                        try db.executeScript("COMMIT")
                    } catch {
                        try? db.executeScript("ROLLBACK")
                        throw error
                    }
                }
            } catch ResultsStoreError.sql(let message) {
                throw ResultsStoreError.migrationFailed(file: migration.file, message: message)
            }
        }
    }

    /// PostgreSQL runs DDL in transactions and enforces foreign keys as it goes, so all pending
    /// migrations apply in one write transaction: its advisory lock makes a second process that
    /// opens the database meanwhile wait, then find them applied.
    static func migratePostgres(_ engine: any ResultsEngine, files: [Migration], path: String) throws {
        try engine.write { db in
            try db.executeScript("""
                CREATE TABLE IF NOT EXISTS privfed_migrations (
                    version BIGINT PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL)
                """)
            for migration in try checkApplied(db, files: files, path: path) {
                do {
                    try db.executeScript(migration.sql)
                } catch ResultsStoreError.sql(let message) {
                    throw ResultsStoreError.migrationFailed(file: migration.file, message: message)
                }
                try record(migration, db: db)
            }
            // The reader role is a second guard, not a requirement: a user who may not create
            // roles still gets the read-only transaction (see PostgresReaderRole).
            try db.execute(sql: "SAVEPOINT privfed_reader_role")
            do {
                try db.executeScript(PostgresReaderRole.setupSQL)
                try db.execute(sql: "RELEASE SAVEPOINT privfed_reader_role")
            } catch {
                try db.execute(sql: "ROLLBACK TO SAVEPOINT privfed_reader_role")
            }
        }
    }

    static func record(_ migration: Migration, db: any SQLSession) throws {
        try db.execute(sql: "INSERT INTO privfed_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)",
                       arguments: [migration.version, migration.name, migration.sha256, Timestamp.now()])
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
