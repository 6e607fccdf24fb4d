import Foundation
import XCTest
import TestSupport

/// `privfed validate` as a user runs it: every problem in one pass, the dataset checked on disk,
/// and `--json` that a script can parse whatever the manifests hold.
final class ValidateCommandTests: XCTestCase {
    func testValidateChecksTheDatasetFilesUnlessNoData() throws {
        let directory = try scratchDirectory(prefix: "validate")
        try FileManager.default.createDirectory(atPath: directory + "/empty", withIntermediateDirectories: true)
        let text = minimalManifest.replacingOccurrences(of: "  clients: 4", with: "  path: empty\n  clients: 4")
        let path = try writeManifest(text, in: directory, named: "m.yaml")
        let privfed = try PrivfedProcess(database: directory + "/r.sqlite")

        let checked = try privfed.run(["validate", path], usesDatabase: false)
        XCTAssertEqual(checked.status, 1, checked.stdout + checked.stderr)
        XCTAssertTrue(checked.stdout.contains("\(path):5: dataset.path: "), checked.stdout)
        XCTAssertTrue(checked.stdout.contains("train-images-idx3-ubyte.gz"), checked.stdout)
        let skipped = try privfed.run(["validate", "--no-data", path], usesDatabase: false)
        XCTAssertEqual(skipped.status, 0, skipped.stdout + skipped.stderr)

        // A copy of MNIST with one file changed fails its SHA256SUMS.
        let copy = directory + "/mnist"
        try FileManager.default.copyItem(atPath: repositoryMNIST, toPath: copy)
        let labels = copy + "/t10k-labels-idx1-ubyte.gz"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: labels))
        bytes[bytes.count - 9] ^= 1
        try bytes.write(to: URL(fileURLWithPath: labels))
        let edited = try privfed.run(["validate", try writeManifest(text.replacingOccurrences(of: "path: empty", with: "path: mnist"),
                                                                     in: directory, named: "edited.yaml")], usesDatabase: false)
        XCTAssertEqual(edited.status, 1)
        XCTAssertTrue(edited.stdout.contains("dataset.path: t10k-labels-idx1-ubyte.gz in \(copy) hashes to"), edited.stdout)

        let shipped = try privfed.run(["validate", repositoryRoot.appendingPathComponent("manifests/quickstart.yaml").path], usesDatabase: false)
        XCTAssertEqual(shipped.status, 0, shipped.stdout + shipped.stderr)
    }

    func testJSONIsOneValidDocumentWithEveryFilesProblems() throws {
        let directory = try scratchDirectory(prefix: "validate-json")
        let bad = try writeManifest(minimalManifest.replacingOccurrences(of: "rounds: 2", with: "rounds: 0")
            .replacingOccurrences(of: "clients_per_round: 4", with: "clients_per_round: 9"), in: directory, named: "bad.yaml")
        let good = try writeManifest(minimalManifest, in: directory, named: "good.yaml")
        let outcome = try PrivfedProcess(database: directory + "/r.sqlite").run(["validate", "--json", "--no-data", good, bad], usesDatabase: false)
        XCTAssertEqual(outcome.status, 1)
        let files = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [[String: Any]], outcome.stdout)
        XCTAssertEqual(files.map { $0["file"] as? String }, [good, bad])
        XCTAssertEqual(files.map { $0["valid"] as? Bool }, [true, false])
        XCTAssertEqual((files[0]["manifest"] as? [String: Any])?["name"] as? String, "t")
        let issues = try XCTUnwrap(files[1]["issues"] as? [[String: Any]])
        XCTAssertEqual(Set(issues.compactMap { $0["keyPath"] as? String }), ["federation.rounds", "federation.clients_per_round"])
    }
}
