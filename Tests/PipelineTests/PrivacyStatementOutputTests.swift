import Foundation
import XCTest
import TestSupport

/// A DP job's guarantee is stated where its user looks: `privfed run`, `run --json` and `show`
/// give ε under each accountant, δ and σ.
final class PrivacyStatementOutputTests: XCTestCase {
    func testRunRunJSONAndShowStateEpsilonPerAccountantDeltaAndSigma() throws {
        let directory = try scratchDirectory(prefix: "dp-statement")
        let text = smallMNISTManifest(name: "dp", seed: 5, clients: 2, trainExamples: 600, testExamples: 100, rounds: 2,
                                      clientsPerRound: 2, extra: "privacy:\n  differential_privacy: true\n  epsilon: 3\n  delta: 1e-5\n  noise_multiplier: 2.5")
        let path = try writeManifest(text, in: directory)
        let privfed = try PrivfedProcess(database: directory + "/r.sqlite")

        let json = try privfed.run(["run", "--json", path])
        XCTAssertEqual(json.status, 0, json.stderr)
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let privacy = try XCTUnwrap(summary["privacy"] as? [String: Any], json.stdout)
        XCTAssertEqual(privacy["delta"] as? Double, 1e-5)
        XCTAssertEqual(privacy["noiseMultipliers"] as? [Double], [2.5])
        let rdp = try XCTUnwrap(privacy["epsilonRDP"] as? Double), pld = try XCTUnwrap(privacy["epsilonPLD"] as? Double)
        XCTAssertGreaterThan(rdp, 0); XCTAssertLessThanOrEqual(rdp, 3)
        XCTAssertGreaterThan(pld, 0); XCTAssertLessThanOrEqual(pld, rdp + 1e-9, "the PLD ε is never above the RDP ε")
        XCTAssertEqual(privacy["unit"] as? String, "example")
        XCTAssertEqual(privacy["accountant"] as? String, "rdp")

        let plain = try privfed.run(["run", path])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let show = try privfed.run(["show", "1"])
        for output in [plain.stdout, show.stdout] {
            let line = try XCTUnwrap(output.split(separator: "\n").first { $0.hasPrefix("differential privacy: ") }, output)
            XCTAssertTrue(line.contains("(rdp)") && line.contains("(pld)") && line.contains("δ = 1e-5") && line.contains("σ = 2.5"), String(line))
            XCTAssertTrue(line.contains("of budget 3"), String(line))
        }
        let showJSON = try privfed.run(["show", "1", "--json"])
        let detail = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(showJSON.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((detail["privacy"] as? [String: Any])?["epsilonRDP"] as? Double, rdp)
    }
}
