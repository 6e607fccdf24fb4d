import Foundation
import Pipeline
import TestSupport
import XCTest

/// The versions recorded with every job are the ones Package.resolved pins: the compiled-in list
/// cannot drift from what the build resolved.
final class ResolvedDependenciesTests: XCTestCase {
    func testRecordedVersionsAreExactlyPackageResolvedsPins() throws {
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("Package.resolved"))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let pins = try XCTUnwrap(object["pins"] as? [[String: Any]])
        let resolved = pins.compactMap { pin -> String? in
            guard let identity = pin["identity"] as? String, let state = pin["state"] as? [String: Any] else { return nil }
            let version = (state["version"] as? String) ?? String((state["revision"] as? String ?? "").prefix(12))
            return "\(identity) \(version)"
        }.sorted()
        XCTAssertEqual(ResolvedDependencies.pins.map { "\($0.identity) \($0.version)" }, resolved,
                       "Package.resolved changed: regenerate Sources/Pipeline/Jobs/ResolvedDependencies.swift")
    }
}
