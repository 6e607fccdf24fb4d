import Foundation
import XCTest
@testable import Pipeline
import TestSupport

/// The `audit:` block of a manifest: read, range-checked, combined with the dataset, and listed
/// in manifests/manifest.schema.json exactly as the reader accepts it.
final class CanaryManifestTests: XCTestCase {
    /// The minimal manifest with 59,000 training images, leaving MNIST's last 1,000 for canaries.
    let base = minimalManifest.replacingOccurrences(of: "  partition: { scheme: iid }", with: "  train_examples: 59000")

    func issues(_ text: String) -> [String] {
        do {
            return try manifestIssues(text).map(\.description)
        } catch {
            XCTFail("unexpected \(error)")
            return []
        }
    }

    func testAuditBlockParses() throws {
        let m = try ManifestReader().parse(base + "\naudit: { canaries: 1000 }", file: "m.yaml")
        XCTAssertEqual(m.audit, AuditSettings(canaries: 1000))
        let g = try ManifestReader().parse(base + "\naudit:\n  canaries: 1000\n  guesses: [100, 500]", file: "m.yaml")
        XCTAssertEqual(g.audit?.guesses, [100, 500])
        XCTAssertNil(try ManifestReader().parse(base, file: "m.yaml").audit)
    }

    func testCanariesMustStayOutOfTheTrainingData() {
        let text = base.replacingOccurrences(of: "  train_examples: 59000\n", with: "") + "\naudit: { canaries: 1000 }"
        XCTAssertEqual(issues(text), ["m.yaml:13: audit.canaries: the 1000 canaries are the last 1000 of the 60000 MNIST training images and must stay out of the training data: set dataset.train_examples to at most 59000 (it is 60000)"])
    }

    func testAuditProblemsNameTheLineAndKey() {
        XCTAssertEqual(issues(base + "\naudit: { canaries: 1 }"), ["m.yaml:14: audit.canaries: must be in 2...20000, got 1"])
        XCTAssertEqual(issues(base + "\naudit:\n  canaries: 100\n  guess: [10]").first,
                       "m.yaml:16: audit.guess: unknown key (did you mean 'guesses'?); allowed here: canaries, guesses")
        XCTAssertEqual(issues(base + "\naudit:\n  guesses: [10]"), ["m.yaml:15: audit.canaries: is required (the number of canaries, e.g. 1000)"])
        XCTAssertEqual(issues(base + "\naudit:\n  canaries: 100\n  guesses: [10, 200]"),
                       ["m.yaml:16: audit.guesses: a budget of 200 guesses exceeds the 100 canaries"])
        XCTAssertEqual(issues(base + "\naudit:\n  canaries: 100\n  guesses: [10, x]"),
                       ["m.yaml:16: audit.guesses[1]: must be a whole number, got 'x'"])
    }

    func testSchemaListsTheAuditKeysTheReaderAccepts() throws {
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("manifests/manifest.schema.json"))
        let schema = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let top = try XCTUnwrap(schema["properties"] as? [String: Any])
        let audit = try XCTUnwrap(top["audit"] as? [String: Any])
        XCTAssertEqual(Set((audit["properties"] as? [String: Any] ?? [:]).keys), Set(ManifestReader.auditKeys))
        XCTAssertEqual(audit["required"] as? [String], ["canaries"])
        XCTAssertTrue(ManifestReader.topKeys.contains("audit"))
    }

    func testShippedCanaryManifestsValidate() throws {
        for name in ["mnist-canary-audit.yaml", "mnist-canary-audit-dp.yaml"] {
            let m = try ManifestReader().read(path: repositoryRoot.appendingPathComponent("manifests/\(name)").path).manifest
            XCTAssertEqual(m.audit?.canaries, 1000, name)
        }
    }
}
