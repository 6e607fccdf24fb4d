import Foundation
import Pipeline
import XCTest

/// Manifest parsing survives ≥ 10,000 seeded mutations of the shipped manifests and random texts:
/// no crash, no hang, and every rejection a `ManifestError` whose lines have the
/// `FILE:LINE: key.path: message` form `privfed validate` prints.
final class ManifestFuzzTests: XCTestCase {
    static let inputs = 10_000

    func testMutatedAndRandomManifestsGiveAManifestOrClearIssues() throws {
        let manifests = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("manifests").path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
            .map { try String(contentsOf: repositoryRoot.appendingPathComponent("manifests/" + $0), encoding: .utf8) }
        XCTAssertGreaterThanOrEqual(manifests.count, 10)
        var fuzz = FuzzInputs(stream: "manifest")
        let reader = ManifestReader()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("privfed-fuzz-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
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
                    _ = try reader.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.yaml")
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
                    XCTAssertLessThan(issue.description.count, 12_000, "input \(index): a runaway message")
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
