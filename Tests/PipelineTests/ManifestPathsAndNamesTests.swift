import Foundation
import XCTest
@testable import Pipeline
import TestSupport

/// A manifest names its data relative to itself, its name is printable, and every problem in it is
/// found in one reading.
final class ManifestPathsAndNamesTests: XCTestCase {
    func testRelativeDatasetPathIsReadFromTheManifestsFolderNotTheWorkingDirectory() throws {
        let directory = try scratchDirectory(prefix: "paths")
        try FileManager.default.createDirectory(atPath: directory + "/jobs", withIntermediateDirectories: true)
        let text = minimalManifest.replacingOccurrences(of: "  clients: 4", with: "  path: ../data/mnist\n  clients: 4")
        let path = try writeManifest(text, in: directory + "/jobs", named: "m.yaml")
        let manifest = try ManifestReader().read(path: path).manifest
        let expected = URL(fileURLWithPath: directory + "/data/mnist").standardizedFileURL.path
        XCTAssertEqual(manifest.dataset.path, expected)
        XCTAssertNotEqual(FileManager.default.currentDirectoryPath + "/../data/mnist", manifest.dataset.path)
        // An absolute path stays what it says.
        let absolute = minimalManifest.replacingOccurrences(of: "  clients: 4", with: "  path: \(repositoryMNIST)\n  clients: 4")
        XCTAssertEqual(try ManifestReader().read(path: try writeManifest(absolute, in: directory, named: "a.yaml")).manifest.dataset.path,
                       URL(fileURLWithPath: repositoryMNIST).standardizedFileURL.path)
    }

    func testShippedManifestsFindTheShippedMNISTFromAnyWorkingDirectory() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("manifests").path)
            .filter { $0.hasSuffix(".yaml") }
        XCTAssertGreaterThanOrEqual(files.count, 13)
        let reader = ManifestReader(datasets: DatasetPolicy(verifiesFiles: true))
        for file in files {
            let manifest = try reader.read(path: repositoryRoot.appendingPathComponent("manifests/" + file).path).manifest
            XCTAssertEqual(manifest.dataset.path, URL(fileURLWithPath: repositoryMNIST).standardizedFileURL.path, file)
        }
    }

    func testNamesLongerThan200CharactersOrWithControlCharactersAreRefusedWithKeyAndLine() throws {
        let long = try manifestIssues(minimalManifest.replacingOccurrences(of: "name: t", with: "name: " + String(repeating: "n", count: 201)))
        XCTAssertEqual(long.map(\.description), ["m.yaml:1: name: must be at most 200 characters, got 201"])
        XCTAssertEqual(try manifestIssues(minimalManifest.replacingOccurrences(of: "name: t", with: "name: " + String(repeating: "n", count: 200))), [])
        for (written, code) in [(#""ok\rjob 9 succeeded""#, "U+000D"), (#""a\e[2Kb""#, "U+001B"), (#""tab\there""#, "U+0009"),
                                (#""c1\u0085""#, "U+0085")] {
            let found = try manifestIssues(minimalManifest.replacingOccurrences(of: "name: t", with: "name: " + written))
            XCTAssertEqual(found.map(\.description), ["m.yaml:1: name: must not contain control characters, found \(code)"], written)
        }
        // Letters of any script are fine.
        XCTAssertEqual(try manifestIssues(minimalManifest.replacingOccurrences(of: "name: t", with: "name: Étude 東京 ε=3")), [])
    }

    /// Before, a wrong value stopped the reading before the cross-field rules ran, so fixing the
    /// first problems showed new ones.
    func testValueErrorsAndCrossFieldRulesAreReportedInOnePass() throws {
        let text = minimalManifest
            .replacingOccurrences(of: "rounds: 2", with: "rounds: two")
            .replacingOccurrences(of: "clients_per_round: 4", with: "clients_per_round: 5")
            .replacingOccurrences(of: "  batch_size: 32\n", with: "")
            + "\nprivacy:\n  epsilon: 3\n"
        let found = try manifestIssues(text)
        XCTAssertEqual(Set(found.map(\.keyPath)), ["federation.rounds", "federation.batch_size", "federation.clients_per_round",
                                                   "privacy.epsilon"], "\(found)")
        // A rule that depends on a value that is itself wrong waits for the value: clients is
        // unreadable, so whether clients_per_round exceeds it is not known yet.
        let unknown = try manifestIssues(minimalManifest.replacingOccurrences(of: "  clients: 4", with: "  clients: four")
            .replacingOccurrences(of: "clients_per_round: 4", with: "clients_per_round: 5"))
        XCTAssertEqual(unknown.map(\.keyPath), ["dataset.clients"])
        // The dataset's location is checked in the same pass as the other problems.
        let reader = ManifestReader(datasets: DatasetPolicy(root: "/nonexistent-root"))
        do {
            _ = try reader.parse(minimalManifest.replacingOccurrences(of: "rounds: 2", with: "rounds: 0"), file: "m.yaml", relativeTo: "/srv")
            XCTFail("two problems")
        } catch let error as ManifestError {
            XCTAssertEqual(Set(error.issues.map(\.keyPath)), ["federation.rounds", "dataset.path"])
        }
    }
}
