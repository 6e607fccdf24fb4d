import Foundation
import GRDB
import ResultsStore
import TestSupport
import XCTest

/// A job name written into the database before names were checked (or by anyone who can write
/// the file) tries to forge what `privfed jobs` and `privfed show` print: a carriage return that
/// overwrites the line with a fake status, ANSI escapes that erase it.
final class TerminalEscapeTests: XCTestCase {
    func testControlCharactersInRecordedTextArePrintedEscapedNeverRaw() throws {
        let directory = try scratchDirectory(prefix: "terminal")
        let db = try scratchDatabase(in: directory)
        let forged = "x\r1  quickstart  succeeded  5/5\u{1B}[2K\u{1B}]0;owned\u{07}\nnext\u{9B}31m"
        _ = try db.insertJob(JobRecord(name: forged, manifestPath: "m\u{1B}[1A.yaml", manifestText: "name: x", seed: 1,
                                       randomness: "reproducible", codeVersion: "test", status: .failed, roundsPlanned: 5))
        try db.engine.write { try $0.execute(sql: "UPDATE jobs SET error = ? WHERE id = 1", arguments: ["boom\r\u{1B}[32mok"]) }
        let privfed = try PrivfedProcess(database: directory + "/r.sqlite")
        for arguments in [["jobs"], ["show", "1"]] {
            let outcome = try privfed.run(arguments)
            XCTAssertEqual(outcome.status, 0, outcome.stderr)
            for raw in ["\r", "\u{1B}", "\u{07}", "\u{9B}"] {
                XCTAssertFalse(outcome.stdout.contains(raw), "\(arguments) printed a raw control character: \(outcome.stdout.debugDescription)")
            }
            XCTAssertTrue(outcome.stdout.contains(#"x\r1  quickstart"#), outcome.stdout)
            XCTAssertTrue(outcome.stdout.contains(#"\u{1b}[2K"#), outcome.stdout)
            XCTAssertFalse(outcome.stdout.contains("\nnext"), "a line feed in a name must not start a line")
        }
    }

    /// A name of a megabyte, written behind the manifest reader's back, does not make the listing a megabyte.
    func testAHugeRecordedNameIsShortenedInTheListing() throws {
        let directory = try scratchDirectory(prefix: "terminal-huge")
        let db = try scratchDatabase(in: directory)
        _ = try db.insertJob(JobRecord(name: String(repeating: "n", count: 1 << 20), manifestPath: "m.yaml", manifestText: "name: x", seed: 1,
                                       randomness: "reproducible", codeVersion: "test", status: .queued, roundsPlanned: 1))
        let outcome = try PrivfedProcess(database: directory + "/r.sqlite").run(["jobs"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertLessThan(outcome.stdout.utf8.count, 2_000, "the listing stays a listing")
        XCTAssertTrue(outcome.stdout.contains(String(repeating: "n", count: 200) + "…"))
    }
}
