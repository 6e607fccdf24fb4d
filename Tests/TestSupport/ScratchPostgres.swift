import Foundation
import ResultsStore

/// The PostgreSQL server the engine's tests run against, and a fresh database on it per test.
///
/// The server is `PRIVFED_TEST_POSTGRES` (a `postgres://` URL of a database whose user may
/// create databases). `.ci/run` starts one with `.ci/postgres-start` and sets it; without it the
/// tests skip, with `unavailableReason` as the message.
public enum ScratchPostgres {
    /// The server's URL, or nil with `unavailableReason` saying why.
    public static let server: String? = {
        guard let url = ProcessInfo.processInfo.environment["PRIVFED_TEST_POSTGRES"], !url.isEmpty else { return nil }
        return url
    }()

    /// Why there is no server, for `XCTSkip`.
    public static var unavailableReason: String {
        "no PostgreSQL server: start one with `bash .ci/postgres-start > pg.url 2>/dev/null </dev/null` and "
            + "`export PRIVFED_TEST_POSTGRES=$(cat pg.url)` (it installs Debian's postgresql when missing), or point "
            + "PRIVFED_TEST_POSTGRES at a user that may CREATE DATABASE"
    }

    /// A new, empty database on the server, named after `label`; returns its URL.
    public static func makeDatabase(_ label: String) throws -> String {
        guard let server, let url = try PostgresURL(parsing: server) else { throw ScratchPostgresUnavailable() }
        let name = "privfed_t_" + label.lowercased().filter { $0.isLetter || $0.isNumber } .prefix(30)
            + "_" + UUID().uuidString.prefix(8).lowercased()
        let admin = try PostgresEngine(url: url, readOnly: false)
        try admin.withoutTransaction { db in try db.execute(sql: "CREATE DATABASE \(name)") }
        var made = url
        made.database = name
        return made.redacted
    }

}

public struct ScratchPostgresUnavailable: Error, CustomStringConvertible {
    public var description: String { ScratchPostgres.unavailableReason }
}
