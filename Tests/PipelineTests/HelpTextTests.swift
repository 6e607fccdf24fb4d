import Foundation
import TestSupport
import XCTest

/// Every `privfed … --help` screen reads cleanly at 80 columns, the width argument-parser uses
/// when standard output is not a terminal.
///
/// The parser wraps each line of a command's `discussion` on its own and keeps every newline. So a
/// prose paragraph must be one line, which the parser wraps: a paragraph hard-wrapped in the
/// source comes out ragged, each source line broken again. And an indented row (a table row, an
/// example) must fit unwrapped: the parser would start its rest at column 0, under the table.
///
/// The discussion is read from the real binary's help printed with a width so large that the
/// parser wraps nothing, so each printed line is one line of the source text.
final class HelpTextTests: XCTestCase {
    /// The parser keeps a line only when it and its newline fit the 80 columns.
    static let rowLimit = 79
    /// A width at which the parser wraps no line (argument-parser reads COLUMNS before the tty).
    static let unwrappedColumns = "100000"

    func testEveryDiscussionHasUnwrappedProseAndRowsWithinEightyColumns() throws {
        let privfed = try PrivfedProcess(database: FileManager.default.temporaryDirectory
            .appendingPathComponent("privfed-help-\(UUID().uuidString).sqlite").path)
        var pending: [[String]] = [[]]
        var visited: [String] = []
        var problems: [String] = []
        var discussed = 0
        while !pending.isEmpty {
            let command = pending.removeFirst()
            let outcome = try privfed.run(command + ["--help"], environment: ["COLUMNS": Self.unwrappedColumns])
            let name = (["privfed"] + command).joined(separator: " ")
            XCTAssertEqual(outcome.status, 0, "\(name) --help: \(outcome.stderr)")
            let help = outcome.stdout.components(separatedBy: "\n")
            let discussion = Self.discussion(help)
            visited.append(name)
            if !discussion.isEmpty { discussed += 1 }
            problems += Self.brokenLines(discussion: discussion).map { "\(name): \($0)" }
            pending += Self.subcommands(help).map { command + [$0] }
        }
        XCTAssertTrue(visited.contains("privfed audit") && visited.contains("privfed privacy calibrate")
                      && visited.contains("privfed bench noise"), "enumerated \(visited)")
        XCTAssertGreaterThan(discussed, 0, "no discussion found in \(visited): has the help layout changed?")
        XCTAssertTrue(problems.isEmpty, "help lines that read badly at 80 columns:\n" + problems.joined(separator: "\n"))
    }

    /// The rules, on a discussion whose source lines are `lines`: a prose line (not indented) is a
    /// whole paragraph, so no two are adjacent; an indented row fits in `rowLimit` columns.
    static func brokenLines(discussion lines: [String]) -> [String] {
        var problems: [String] = []
        for (index, line) in lines.enumerated() {
            if line.hasPrefix(" ") {
                if line.count > rowLimit {
                    problems.append("row of \(line.count) columns, wrapped to column 0 at 80: \(line)")
                }
            } else if !line.isEmpty, index + 1 < lines.count, !lines[index + 1].isEmpty, !lines[index + 1].hasPrefix(" ") {
                problems.append("paragraph hard-wrapped in the source (join its lines with a trailing \\): \(line)")
            }
        }
        return problems
    }

    /// The discussion of unwrapped help: the lines between the `OVERVIEW:` line and `USAGE:`.
    static func discussion(_ help: [String]) -> [String] {
        guard help.first?.hasPrefix("OVERVIEW: ") == true, let usage = help.firstIndex(where: { $0.hasPrefix("USAGE: ") })
        else { return [] }
        var lines = Array(help[1..<usage])
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// The names in the `SUBCOMMANDS:` section (`  name (default)  abstract`), up to its blank line.
    static func subcommands(_ help: [String]) -> [String] {
        guard let start = help.firstIndex(of: "SUBCOMMANDS:") else { return [] }
        return help[(start + 1)...].prefix { !$0.isEmpty }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    func testRulesFlagAHardWrappedParagraphAndAnOverlongRow() {
        let row = "  " + String(repeating: "x", count: Self.rowLimit - 2)
        XCTAssertEqual(Self.brokenLines(discussion: ["One paragraph.", "", "Rows:", row, "    and more"]), [])
        XCTAssertEqual(Self.brokenLines(discussion: ["A paragraph broken", "in the source."]).count, 1)
        XCTAssertEqual(Self.brokenLines(discussion: ["Rows:", row + "x"]).count, 1)
    }
}
