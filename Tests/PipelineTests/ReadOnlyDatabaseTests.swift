import Foundation
import XCTest
import ResultsStore
import TestSupport

/// A results database that may not be written (mode 444; issue 15: `jobs` and `query` said
/// "attempt to write a readonly database") is read by `jobs`, `show`, `query` and `audit`, and
/// left byte for byte as it was. Root may write any file, so as root the commands run as
/// `nobody` (setpriv) for the file's mode to bind.
final class ReadOnlyDatabaseTests: XCTestCase {
    func testReadCommandsWorkOnADatabaseOfMode444() throws {
        let dir = try scratchDirectory(prefix: "readonly")
        let manifest = try writeManifest(smallMNISTManifest(name: "readonly", seed: 2, clients: 2, trainExamples: 200, testExamples: 100,
                                                            rounds: 1, clientsPerRound: 2), in: dir)
        let database = dir + "/r.sqlite"
        let privfed = try PrivfedProcess(database: database)
        let ran = try privfed.run(["run", manifest])
        XCTAssertEqual(ran.status, 0, ran.stderr)
        // The directory stays writable (SQLite's shared-memory file for a WAL reader); the file does not.
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: database)
        let before = try Data(contentsOf: URL(fileURLWithPath: database))

        let jobs = try runReadOnly(privfed, ["jobs"], in: dir)
        XCTAssertEqual(jobs.status, 0, jobs.stderr)
        XCTAssertTrue(jobs.stdout.contains("readonly") && jobs.stdout.contains("succeeded"), jobs.stdout)
        let show = try runReadOnly(privfed, ["show", "1"], in: dir)
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("readonly"), show.stdout)
        let query = try runReadOnly(privfed, ["query", "SELECT count(*) AS n FROM jobs"], in: dir)
        XCTAssertEqual(query.status, 0, query.stderr)
        XCTAssertTrue(query.stdout.contains("1"), query.stdout)
        let audit = try runReadOnly(privfed, ["audit", "1"], in: dir)
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        XCTAssertTrue(audit.stderr.contains("not recorded"), audit.stderr)

        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: database)), before, "the database is unchanged")
        let attributes = try FileManager.default.attributesOfItem(atPath: database)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o444)
    }

    /// `privfed ARGS --db DATABASE` as a user the file's mode binds: this one, or `nobody` when root.
    func runReadOnly(_ privfed: PrivfedProcess, _ arguments: [String], in dir: String) throws -> PrivfedProcess.Outcome {
        guard getuid() == 0 else { return try privfed.run(arguments, in: URL(fileURLWithPath: dir)) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", privfed.executable.path] + arguments + ["--db", privfed.database]
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return privfed.wait((process, out, err))
    }
}
