import Foundation
import Pipeline
import TestSupport
import XCTest

/// ScatterNet features with the clients as agents (issue 14, issue 17's federated record): each
/// agent turns its own images into scattering coefficients on its machine, the orchestrator its
/// test set, and the linear head trains by DP-SGD at the agents. The models are the simulated
/// twin's, round by round, bit for bit.
extension AgentJobProcessTests {
    func testAScatterNetDPJobOverTheAgentsGivesItsSimulatedTwinsModel() throws {
        let path = try dpManifest(name: "agents-scatter", rounds: 2, federation: "")
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "  architecture: mlp", with: "  architecture: linear\n  features: scatter")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let job = try runToSuccess(path).job
        XCTAssertGreaterThan(job?["accuracy"] as? Double ?? 0, 0.5, "the linear head learns on the scattering features")
        XCTAssertEqual(try modelHashes(database), try exactTwinHashes(of: path))
    }
}
