import XCTest
import Pipeline

/// The progress bar shows the round in progress, one percentage that the bar's fill agrees with,
/// an ETA from the pace so far, and puts warnings on their own line above it.
final class ProgressTextTests: XCTestCase {
    func bar(_ line: String) -> String { String(line.components(separatedBy: " [")[1].prefix(ProgressText.width)) }

    func testRoundInProgressPercentAndETAComeFromTheWorkDone() {
        var text = ProgressText(label: "job 1 t", rounds: 1...4)
        XCTAssertTrue(text.line(elapsed: 3).hasSuffix("  0% round 1/4  -:-- left"), "no ETA before anything finished")
        text.clientFinished(round: 1, of: 4)
        text.clientFinished(round: 1, of: 4)
        XCTAssertEqual(text.fraction, 0.125)
        let line = text.line(elapsed: 10)
        XCTAssertTrue(line.hasPrefix(ProgressText.clearLine), "the line is erased before it is redrawn")
        XCTAssertTrue(line.contains(" 12% round 1/4  1:10 left"), line)  // 10 s for 1/8: 70 s for the other 7/8
        XCTAssertEqual(bar(line).filter { $0 == "#" }.count, 3)   // 12.5% of 30
        text.roundFinished(round: 1, accuracy: 0.91234)
        let next = text.line(elapsed: 20)
        XCTAssertTrue(next.contains(" 25% round 2/4  1:00 left acc 0.9123"), "the round in progress, not the one finished: \(next)")
        XCTAssertEqual(bar(next).filter { $0 == "#" }.count, Int(0.25 * Double(ProgressText.width)))
        // A round with fewer clients (Poisson selection) still counts as one round of four.
        text.clientFinished(round: 2, of: 2)
        XCTAssertEqual(text.percent, 37)
        for round in 2...4 { text.roundFinished(round: round, accuracy: nil) }
        XCTAssertTrue(text.line(elapsed: 80).contains("100% round 4/4  0:00 left"), text.line(elapsed: 80))
        XCTAssertEqual(bar(text.line(elapsed: 80)), String(repeating: "#", count: ProgressText.width))
    }

    func testAWarningGoesOnItsOwnLineAboveTheBar() {
        var text = ProgressText(label: "job 2 dp", rounds: 3...5)
        text.clientFinished(round: 3, of: 1)
        let out = text.warning("client/0 has spent ε = 2.5 of its budget 3.0 (83%) after round 3", elapsed: 5)
        let lines = out.components(separatedBy: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines[0], ProgressText.clearLine + "privfed: warning: client/0 has spent ε = 2.5 of its budget 3.0 (83%) after round 3")
        XCTAssertEqual(lines[1], text.line(elapsed: 5), "the bar is redrawn below the warning")
        XCTAssertFalse(lines[1].contains("warning"))
        XCTAssertTrue(lines[1].contains("round 3/5"), lines[1])
    }
}
