import Foundation
import GRDB

/// The results database of privfed: one SQLite file in WAL mode, its schema only from the
/// migrations/ folder.
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

    /// The first 16 bytes of every SQLite 3 database file.
    static let sqliteHeader = Array("SQLite format 3\u{0}".utf8)

    /// Opens (and creates, when `create` is true) the database at `path`, applying pending migrations.
    /// `operatorKeyFile` defaults to `OperatorKey.defaultPath(besideDatabase:)`.
    public init(path: String, create: Bool = true, migrationsDirectory: String? = nil, operatorKeyFile: String? = nil) throws {
        self.path = path
        self.operatorKeyPath = operatorKeyFile ?? OperatorKey.defaultPath(besideDatabase: path)
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && !create { throw ResultsStoreError.missingDatabase(path: path) }
        if exists { try Self.checkHeader(path: path) }
        let directory = try migrationsDirectory ?? Migration.locateDirectory()
        let files = try Migration.load(from: directory)

        var config = Configuration()
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        do {
            writer = try DatabasePool(path: path, configuration: config)
            try Self.checkOwnership(writer, path: path)
            migrations = try Self.migrate(writer, files: files, path: path)
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
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

    static func migrate(_ pool: DatabasePool, files: [Migration], path: String) throws -> [Migration] {
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS privfed_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL)
                """)
        }
        let applied = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT version, name, sha256 FROM privfed_migrations ORDER BY version")
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
        for migration in files where !appliedVersions.contains(migration.version) {
            do {
                try pool.write { db in
                    try db.execute(sql: migration.sql)
                    try db.execute(sql: "INSERT INTO privfed_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)",
                                   arguments: [migration.version, migration.name, migration.sha256, Timestamp.now()])
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
