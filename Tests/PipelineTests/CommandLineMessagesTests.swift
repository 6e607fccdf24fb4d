import Foundation
import ResultsStore
import TestSupport
import XCTest

/// What the command line tells a user who cancels a job, mistypes a query or picks a busy port:
/// one `privfed: error:` line in privfed's own words, and nothing changed by a refused command.
final class CommandLineMessagesTests: XCTestCase {
    func testCancelEndsAQueuedJobAndStopsARunningOneAndRefusesAnEndedOne() throws {
        let directory = try scratchDirectory(prefix: "cancel")
        let db = try scratchDatabase(in: directory)
        func job(_ name: String) throws -> Int64 {
            try db.insertJob(JobRecord(name: name, manifestPath: "m.yaml", manifestText: "name: \(name)", seed: 1,
                                       randomness: "reproducible", codeVersion: "test", status: .queued, roundsPlanned: 3))
        }
        let queued = try job("queued"), running = try job("running"), ended = try job("ended")
        try db.startJob(id: running, worker: "w", leaseSeconds: 300)
        try db.finishJob(id: ended, status: .succeeded, error: nil, heldBy: nil)
        let privfed = try PrivfedProcess(database: db.path)

        let first = try privfed.run(["cancel", String(queued)])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout, "job \(queued): cancelled\n")
        XCTAssertEqual(try db.job(id: queued).status, .cancelled)
        XCTAssertNotNil(try db.job(id: queued).finishedAt)
        XCTAssertNil(try db.claimNext(worker: "other", leaseSeconds: 300), "no worker takes a cancelled job")

        let stopping = try privfed.run(["cancel", String(running), "--json"])
        XCTAssertEqual(stopping.status, 0, stopping.stderr)
        let answer = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stopping.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(answer["outcome"] as? String, "stopping")
        XCTAssertEqual(try db.job(id: running).status, .cancelled)
        XCTAssertEqual(try db.job(id: running).error, "cancelled by privfed cancel")

        let refused = try privfed.run(["cancel", String(ended)])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr, "privfed: error: job \(ended) has already ended (succeeded); only queued or running jobs can be cancelled\n")
        XCTAssertEqual(try db.job(id: ended).status, .succeeded)
    }

    func testQueryRefusesSeveralStatementsAndWritableSchemaInPrivfedsWords() throws {
        let directory = try scratchDirectory(prefix: "query")
        let db = try scratchDatabase(in: directory)
        let privfed = try PrivfedProcess(database: db.path)
        let two = try privfed.run(["query", "SELECT 1; SELECT 2"])
        XCTAssertEqual(two.status, 1)
        XCTAssertEqual(two.stderr, "privfed: error: privfed query runs exactly one SQL statement, and this text has several; run them one at a time\n")
        for pragma in ["PRAGMA writable_schema = ON", "PRAGMA writable_schema=1", "pragma WRITABLE_SCHEMA", "PRAGMA query_only = 0",
                       "PRAGMA journal_mode = DELETE"] {
            let outcome = try privfed.run(["query", pragma])
            XCTAssertEqual(outcome.status, 1, pragma)
            XCTAssertTrue(outcome.stderr.hasPrefix("privfed: error: privfed query is read-only and this statement would write"), "\(pragma): \(outcome.stderr)")
        }
        let info = try privfed.run(["query", "PRAGMA table_info(jobs)", "--format", "csv"])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("manifest_text"), info.stdout)
        XCTAssertEqual(try privfed.run(["query", "SELECT 1;"]).status, 0)
    }

    func testArgumentErrorsAreOnePrivfedErrorLine() throws {
        let directory = try scratchDirectory(prefix: "arguments")
        let privfed = try PrivfedProcess(database: directory + "/r.sqlite")
        for (arguments, words) in [(["cancel"], "<job>"), (["show", "seven"], "seven"), (["serve", "--port", "70000"], "--port must be in 0...65535"),
                                   (["jobs", "--colour"], "--colour"), (["frobnicate"], "frobnicate")] {
            let outcome = try privfed.run(arguments, usesDatabase: arguments != ["frobnicate"])
            XCTAssertEqual(outcome.status, 64, "\(arguments): a usage error")
            let lines = outcome.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(arguments): \(outcome.stderr)")
            XCTAssertTrue(outcome.stderr.hasPrefix("privfed: error: "), "\(arguments): \(outcome.stderr)")
            XCTAssertTrue(outcome.stderr.contains(words), "\(arguments): \(outcome.stderr)")
        }
        XCTAssertEqual(try privfed.run(["jobs", "--help"]).status, 0, "help is not an error")
    }

    func testAPortInUseIsNamed() throws {
        let (listener, port) = try XCTUnwrap(LoopbackSocket.listening())
        defer { close(listener) }
        let directory = try scratchDirectory(prefix: "port")
        let outcome = try PrivfedProcess(database: directory + "/r.sqlite").run(["serve", "--port", String(port), "--insecure-no-auth", "--workers", "0"])
        XCTAssertEqual(outcome.status, 1)
        XCTAssertTrue(outcome.stderr.contains("privfed: error: port \(port) on 127.0.0.1 is already in use"), outcome.stderr)
    }
}
