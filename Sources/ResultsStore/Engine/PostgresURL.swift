import Foundation

/// A `--db postgres://user[:password]@host[:port]/dbname` (or `postgresql://`) location.
///
/// The password may also come from `PGPASSWORD`, as libpq reads it, so that it need not be on
/// a command line other users can see in `ps`. It never appears in messages or records:
/// `redacted` is what the store shows and keeps.
public struct PostgresURL: Sendable, Equatable {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String

    /// nil when `text` is not a PostgreSQL URL at all (so it is an SQLite path).
    /// - Throws: `ResultsStoreError.badDatabaseURL` for a PostgreSQL URL that is malformed.
    public init?(parsing text: String) throws {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else { return nil }
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw ResultsStoreError.badDatabaseURL(url: Self.redact(text), reason: "it has no host (postgres://user@host:port/dbname)")
        }
        let name = String(components.path.drop(while: { $0 == "/" }))
        guard !name.isEmpty, !name.contains("/") else {
            throw ResultsStoreError.badDatabaseURL(url: Self.redact(text), reason: "it names no database (postgres://user@host:port/dbname)")
        }
        guard let user = components.user, !user.isEmpty else {
            throw ResultsStoreError.badDatabaseURL(url: Self.redact(text), reason: "it names no user (postgres://user@host:port/dbname)")
        }
        self.user = user.removingPercentEncoding ?? user
        let environment = ProcessInfo.processInfo.environment["PGPASSWORD"]
        self.password = components.password?.removingPercentEncoding ?? (environment?.isEmpty == false ? environment : nil)
        self.host = host
        self.port = components.port ?? 5432
        self.database = name
    }

    public init(user: String, password: String? = nil, host: String, port: Int = 5432, database: String) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
    }

    /// The URL without its password: what messages and records show.
    public var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// Where privfed keeps the files that live beside a database (the operator key, secrets,
    /// local records) when the database is on a server: the working directory.
    public var besidePath: String { "./postgres-\(database)" }

    static func redact(_ text: String) -> String {
        guard var c = URLComponents(string: text), c.password != nil else { return text }
        c.password = nil
        return c.string ?? text
    }
}
