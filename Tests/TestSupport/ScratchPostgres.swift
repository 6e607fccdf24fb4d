import Foundation
import ResultsStore

/// The PostgreSQL server the engine's tests run against, and a fresh database on it per test.
///
/// The server is `PRIVFED_TEST_POSTGRES` (a `postgres://` URL of a database whose user may
/// create databases), which `.ci/run` sets after starting one. Without it, a server of this test
/// process's own is started with `.ci/postgres-start` in a scratch directory on a free port when
/// PostgreSQL is installed (it is stopped when the process exits); the tests skip, with
/// `unavailableReason` as the message, only when neither is possible.
public enum ScratchPostgres {
    /// The server's URL, or nil with `unavailableReason` saying why.
    public static let server: String? = {
        if let url = ProcessInfo.processInfo.environment["PRIVFED_TEST_POSTGRES"], !url.isEmpty { return url }
        return startOwnServer()
    }()

    /// Why there is no server, for `XCTSkip`.
    public static var unavailableReason: String {
        "no PostgreSQL server (\(startFailure ?? "PRIVFED_TEST_POSTGRES is unset")): install Debian's postgresql, or start one "
            + "with `bash .ci/postgres-start > pg.url 2>/dev/null </dev/null` and `export PRIVFED_TEST_POSTGRES=$(cat pg.url)`, "
            + "or point PRIVFED_TEST_POSTGRES at a user that may CREATE DATABASE"
    }

    /// The data directory of the server this process started, stopped at exit.
    nonisolated(unsafe) private static var ownDirectory: String?
    nonisolated(unsafe) private static var startFailure: String?

    /// Starts a server with `.ci/postgres-start` when PostgreSQL's binaries are installed (the
    /// tests never install packages). Its output goes to files, never to pipes: the postmaster
    /// it leaves running would hold a pipe open, and a reader waiting for its end would hang.
    private static func startOwnServer() -> String? {
        let installed = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard installed.contains(where: { FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb") }) else {
            startFailure = "PRIVFED_TEST_POSTGRES is unset and PostgreSQL is not installed"
            return nil
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("privfed-test-pg-\(getpid())").path
        let out = dir + ".url", err = dir + ".log"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        let status = spawnAndWait([repositoryRoot.appendingPathComponent(".ci/postgres-start").path, dir, String(freePort())],
                                  stdout: out, stderr: err)
        guard let status else {
            startFailure = "could not run .ci/postgres-start"
            return nil
        }
        let url = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0, url.hasPrefix("postgres://") else {
            let log = ((try? String(contentsOfFile: err, encoding: .utf8)) ?? "").split(separator: "\n").suffix(3).joined(separator: " / ")
            startFailure = ".ci/postgres-start failed (\(log))"
            return nil
        }
        ownDirectory = dir
        atexit { ScratchPostgres.stopOwnServer() }
        return url
    }

    private static func stopOwnServer() {
        guard let dir = ownDirectory else { return }
        _ = spawnAndWait([repositoryRoot.appendingPathComponent(".ci/postgres-stop").path, dir], stdout: "/dev/null", stderr: "/dev/null")
        for path in [dir, dir + ".url", dir + ".log"] { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Runs `bash arguments…` with stdin from /dev/null and stdout, stderr to the files named, and
    /// waits for it with waitpid; nil when it cannot be started. Not Foundation's Process: on
    /// Linux it learns of the child's exit from a socket the child inherits, and the postmaster
    /// that postgres-start leaves running inherits it too, so Process would wait forever.
    private static func spawnAndWait(_ arguments: [String], stdout: String, stderr: String) -> Int32? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = (["/bin/bash"] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/bash", &actions, nil, argv, environ) == 0 else { return nil }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// A TCP port nothing listens on now: bound to 0 on loopback, read back, released.
    private static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : 55_400 + Int(getpid() % 500)
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
