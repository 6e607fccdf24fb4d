import Foundation
import GRDB
import XCTest
import BuildStamp
@testable import Pipeline
import TestSupport

/// `code_version` names the code that was built into the binary, not the git repository privfed
/// happens to be started in.
final class CodeVersionTests: XCTestCase {
    func testCodeVersionIsTheBuildStamp() {
        if BuildStamp.commit == "unknown" {
            XCTAssertEqual(CodeVersion.current, CodeVersion.release + "+unknown")
        } else {
            XCTAssertEqual(BuildStamp.commit.count, 40)
            XCTAssertTrue(BuildStamp.commit.allSatisfy(\.isHexDigit), BuildStamp.commit)
            XCTAssertTrue(BuildStamp.description.hasPrefix(String(BuildStamp.commit.prefix(12))), BuildStamp.description)
            XCTAssertEqual(CodeVersion.current,
                           "\(CodeVersion.release)+\(BuildStamp.commit.prefix(12))" + (BuildStamp.dirty ? "-dirty" : ""))
        }
    }

    /// The binary run inside another git repository records its own stamp, not that repository's HEAD.
    func testJobRecordsTheStampNotTheWorkingDirectorysCommit() throws {
        let dir = try scratchDirectory(prefix: "codeversion")
        let other = dir + "/other-repo"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        @discardableResult
        func git(_ arguments: [String]) throws -> String {
            let process = Process(), out = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", other, "-c", "user.email=a@b.c", "-c", "user.name=t"] + arguments
            process.standardOutput = out
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            try XCTSkipIf(process.terminationStatus != 0, "git is not available")
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try git(["init", "-q"])
        try git(["commit", "-q", "--allow-empty", "-m", "x"])
        let head = try git(["rev-parse", "HEAD"])
        XCTAssertEqual(head.count, 40)

        let manifest = try writeManifest(smallMNISTManifest(name: "stamp", seed: 1, clients: 2, trainExamples: 100, testExamples: 50,
                                                            rounds: 1, clientsPerRound: 2), in: dir)
        let outcome = try PrivfedProcess(database: dir + "/r.sqlite").run(["submit", manifest], in: URL(fileURLWithPath: other))
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let recorded = try DatabaseQueue(path: dir + "/r.sqlite").read { db in
            try String.fetchOne(db, sql: "SELECT code_version FROM jobs")
        }
        XCTAssertEqual(recorded, CodeVersion.current)
        XCTAssertFalse(recorded?.contains(String(head.prefix(12))) ?? true, "recorded the working directory's commit \(head)")
    }
}
