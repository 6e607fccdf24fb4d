import XCTest
@testable import Pipeline
import TestSupport

/// δ ≥ 1/n is refused with the reason (issue 15: `delta: 0.5` was accepted and reported as a
/// guarantee). n is the smallest client's example count (unit example) or the number of clients
/// (unit client).
final class DeltaBoundTests: XCTestCase {
    /// `minimalManifest` (4 clients, iid over the 60,000 training examples: each client 15,000) with DP.
    func dp(_ settings: String) -> String {
        minimalManifest + "\nprivacy:\n  differential_privacy: true\n  epsilon: 3\n" + settings.split(separator: ",").map { "  " + $0.trimmingCharacters(in: .whitespaces) + "\n" }.joined()
    }

    func testDeltaOfOneHalfIsRefusedWithTheReason() throws {
        let found = try manifestIssues(dp("delta: 0.5"))
        XCTAssertEqual(found.map(\.keyPath), ["privacy.delta"])
        XCTAssertTrue(found[0].message.contains("1/n = 1/15000"), found[0].message)
        XCTAssertTrue(found[0].message.contains("smallest client's example count"), found[0].message)
        XCTAssertEqual(found[0].line, 17, "the delta line")
    }

    func testExampleUnitBoundIsTheSmallestIIDShard() throws {
        // 1/15000 ≈ 6.67e-5: just below passes, just above is refused.
        XCTAssertEqual(try manifestIssues(dp("delta: 6.6e-5")), [])
        XCTAssertEqual(try manifestIssues(dp("delta: 6.7e-5")).map(\.keyPath), ["privacy.delta"])
        XCTAssertEqual(try manifestIssues(dp("delta: 1e-5")), [])
        XCTAssertEqual(try manifestIssues(minimalManifest + "\nprivacy: { differential_privacy: true, epsilon: 3 }\n"), [], "the default δ")
    }

    func testClientUnitBoundIsTheNumberOfClients() throws {
        let refused = try manifestIssues(dp("unit: client, delta: 0.25"))
        XCTAssertEqual(refused.map(\.keyPath), ["privacy.delta"])
        XCTAssertTrue(refused[0].message.contains("1/n = 1/4") && refused[0].message.contains("number of clients"), refused[0].message)
        XCTAssertEqual(try manifestIssues(dp("unit: client, delta: 0.2")), [])
    }

    /// A non-iid partition's smallest shard is known only once the data is partitioned: the plan refuses it then.
    func testPlanRefusesDeltaAboveOneOverTheSmallestActualShard() throws {
        let text = minimalManifest.replacingOccurrences(of: "partition: { scheme: iid }", with: "partition: { scheme: dirichlet, alpha: 0.1 }")
            + "\nprivacy: { differential_privacy: true, epsilon: 3, delta: 0.01 }\n"
        XCTAssertEqual(try manifestIssues(text), [])
        let manifest = try ManifestReader().parse(text, file: "m.yaml")
        // δ = 0.01 is below 1/99 and not below 1/100.
        XCTAssertNoThrow(try PrivacyPlan.make(manifest, shardSizes: [99, 5000, 20000, 34901]))
        XCTAssertThrowsError(try PrivacyPlan.make(manifest, shardSizes: [100, 5000, 20000, 34900])) { error in
            guard case PrivacyPlanError.deltaTooLarge(let reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("1/n = 1/100"), reason)
            XCTAssertTrue("\(error)".hasPrefix("privacy.delta: "), "\(error)")
        }
    }
}
