import Foundation
import Pipeline
import XCTest
import TestSupport

/// Manifest parsing survives 10,000 (`PRIVFED_FUZZ=full`; 1,000 everyday) seeded mutations of the shipped manifests and random texts:
/// no crash, no hang, and every rejection a `ManifestError` whose lines have the
/// `FILE:LINE: key.path: message` form `privfed validate` prints.
final class ManifestFuzzTests: XCTestCase {
    static let inputs = FuzzInputs.count(everyday: 1_000, full: 10_000)

    func testMutatedAndRandomManifestsGiveAManifestOrClearIssues() throws {
        let manifests = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("manifests").path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
            .map { try String(contentsOf: repositoryRoot.appendingPathComponent("manifests/" + $0), encoding: .utf8) }
        XCTAssertGreaterThanOrEqual(manifests.count, 10)
        var fuzz = FuzzInputs(stream: "manifest")
        let scratch = try scratchDirectory(prefix: "fuzz")
        // The HTTP API's reader: dataset paths are resolved and held to a root as well.
        let reader = ManifestReader(datasets: DatasetPolicy(root: repositoryRoot.appendingPathComponent("datasets").path))
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let started = ContinuousClock.now
        var (valid, rejected, slowest) = (0, 0, Duration.zero)
        for index in 0..<Self.inputs {
            let bytes: [UInt8] = fuzz.chance(0.1) ? Array(fuzz.junk(300).utf8) : fuzz.mutate(fuzz.pick(manifests))
            let t0 = ContinuousClock.now
            do {
                if index % 50 == 0 {
                    // Through a file, as `privfed validate` reads it: invalid UTF-8 must be refused there.
                    let path = scratch + "/m\(index).yaml"
                    FileManager.default.createFile(atPath: path, contents: Data(bytes))
                    _ = try reader.read(path: path)
                } else {
                    _ = try reader.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.yaml",
                                         relativeTo: repositoryRoot.appendingPathComponent("manifests").path)
                }
                valid += 1
            } catch let error as ManifestError {
                rejected += 1
                XCTAssertFalse(error.issues.isEmpty, "input \(index): an empty ManifestError")
                for issue in error.issues {
                    XCTAssertGreaterThanOrEqual(issue.line, 1, "input \(index): \(issue)")
                    XCTAssertFalse(issue.keyPath.isEmpty, "input \(index): \(issue)")
                    XCTAssertFalse(issue.message.isEmpty, "input \(index): \(issue)")
                    XCTAssertFalse(issue.message.contains("Optional("), "input \(index): \(issue)")
                    XCTAssertLessThan(issue.description.count, 1_000, "input \(index): a runaway message: \(issue.description.prefix(300))")
                }
            } catch {
                XCTFail("input \(index): \(type(of: error)) instead of a ManifestError: \(error)")
            }
            let elapsed = t0.duration(to: .now)
            slowest = max(slowest, elapsed)
            // A hang guard, not a speed test: one manifest must never take seconds.
            XCTAssertLessThan(elapsed, .seconds(2), "input \(index) took \(elapsed)")
        }
        XCTAssertEqual(valid + rejected, Self.inputs)
        XCTAssertGreaterThan(rejected, Self.inputs / 2)
        print("manifest fuzz: \(Self.inputs) inputs, \(valid) valid, \(rejected) rejected, slowest \(slowest), total \(started.duration(to: .now))")
    }
}

/// What the fuzzer found in the manifest reader, pinned.
final class ManifestFuzzFindingsTests: XCTestCase {
    /// Yams's duplicate-key error printed the whole document as its "context" on line 1.
    func testDuplicateKeyNamesTheKeyAndTheLineOfItsFirstUse() throws {
        let text = tinyManifest() + "\nseed: 8\n"
        XCTAssertThrowsError(try ManifestReader().parse(text, file: "dup.yaml")) { error in
            let issues = (error as? ManifestError)?.issues ?? []
            XCTAssertEqual(issues.map(\.description),
                           ["dup.yaml:2: seed: duplicate key 'seed' in one mapping (first written on this line); a key may appear once"])
        }
    }

    /// A 5,000-character value was echoed whole in "got '…'", and control characters reached the terminal.
    func testHostileValuesAreEscapedAndCutInMessages() throws {
        let long = String(repeating: "a", count: 5000)
        let text = tinyManifest().replacingOccurrences(of: "batch_size: 50", with: "batch_size: \(long)")
            .replacingOccurrences(of: "name: tiny", with: "name: tiny\n\"evil\\e[2J\": 1")
        XCTAssertThrowsError(try ManifestReader().parse(text, file: "m.yaml")) { error in
            let lines = ((error as? ManifestError)?.issues ?? []).map(\.description)
            XCTAssertEqual(lines.count, 2, "\(lines)")
            XCTAssertTrue(lines.contains { $0.hasPrefix("m.yaml:2: evil\\u{1b}[2J: unknown key") }, "\(lines)")
            let batch = try? XCTUnwrap(lines.first { $0.contains("federation.batch_size") })
            XCTAssertEqual(batch, "m.yaml:16: federation.batch_size: must be a whole number, got '\(String(repeating: "a", count: 60))… (5000 characters)'")
            XCTAssertFalse(lines.joined().contains("\u{1b}"))
        }
    }
}
