import Foundation
import GRDB
import ResultsStore
import TestSupport
import XCTest

/// The orchestrator and each agent on a host of its own (`NetnsHosts`: a network namespace each,
/// with its own address on a bridge the test makes). The plain, DP-SGD, DP + threshold HE and
/// SecAgg+ jobs each reach the model their simulated twin reaches — bit for bit, with the same
/// roots — across real interfaces; and a cut link (`ip link set … down`: no RST, no FIN, the packets stop) is a
/// dropout once `round_timeout` passes, and the round goes on with the others.
final class AgentNetnsTests: XCTestCase, AgentFederationTesting {
    var root: URL!
    var port = 0
    var hosts: NetnsHosts!
    /// Host 0 is the orchestrator's; agent K is on host K + 1.
    var orchestratorHost: String { hosts.address(0) }

    override func setUpWithError() throws {
        hosts = try NetnsHosts(count: 4)
        root = URL(fileURLWithPath: try scratchDirectory(prefix: "agent-netns"))
        port = LoopbackSocket.freePort()
        try provision()
    }

    override func tearDownWithError() throws {
        hosts?.remove()
        if let root { try? FileManager.default.removeItem(at: root) }
    }

    func agentOnItsHost(_ k: Int) throws -> LinkProcess { try startAgent(k, wrapper: hosts.wrapper(k + 1)) }

    /// Runs the job at `path` with every party on its own host and returns its models.
    func runOnHosts(_ path: String) throws -> [String] {
        let orchestrator = try runToSuccess(path, timeout: 180, wrapper: hosts.wrapper).orchestrator
        // All three joined across the bridge: the only route between their hosts and the orchestrator's.
        let registry = orchestrator.events.filter { $0["event"] as? String == "joined" }
        XCTAssertEqual(registry.count, 3, "\(orchestrator.lines)")
        return try modelHashes(database)
    }

    func testAPlainFedAvgJobOnHostsOfTheirOwnGivesItsSimulatedTwinsModel() throws {
        let path = try manifest(name: "netns-plain", rounds: 2, federation: "")
        let models = try runOnHosts(path)
        XCTAssertEqual(models.count, 2)
        XCTAssertEqual(models, try exactTwinHashes(of: path))
    }

    func testADPSGDJobOnHostsOfTheirOwnGivesItsSimulatedTwinsModelAndPassesItsAudit() throws {
        let path = try dpManifest(name: "netns-dp", rounds: 2, federation: "")
        let models = try runOnHosts(path)
        XCTAssertEqual(models, try exactTwinHashes(of: path))
        let audit = try PrivfedProcess(database: database).run(["audit", "1"])
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
    }

    func testADPAndThresholdHEJobOnHostsOfTheirOwnGivesItsSimulatedTwinsModel() throws {
        let path = try dpManifest(name: "netns-dp-he", rounds: 2, federation: "  round_timeout: 60", privacy: "  homomorphic_encryption: true")
        let models = try runOnHosts(path)
        XCTAssertEqual(models, try exactTwinHashes(of: path))
        XCTAssertEqual(try metrics("decryption_shares").map(\.value), [3, 3])
    }

    func testASecAggPlusJobOnHostsOfTheirOwnGivesItsSimulatedTwinsModel() throws {
        let path = try manifest(name: "netns-secagg", rounds: 2, federation: "", extra: "privacy:\n  secure_aggregation: secagg_plus")
        let models = try runOnHosts(path)
        XCTAssertEqual(models, try exactTwinHashes(of: path))
        XCTAssertEqual(try metrics("included_clients").map(\.value), [3, 3])
    }

    func testALinkCutPastTheRoundDeadlineIsADropoutAndTheRoundGoesOn() throws {
        let path = try manifest(name: "agents-cut", rounds: 300, federation: "  min_clients: 2\n  round_timeout: 2")
        try export(path)
        let orchestrator = try startOrchestrator(path, wrapper: hosts.wrapper(0))
        defer { orchestrator.end() }
        let agents = try (0..<3).map { try agentOnItsHost($0) }
        defer { for agent in agents { agent.end() } }
        XCTAssertNotNil(orchestrator.waitForEvent(["event": "round"], timeout: 60), orchestrator.stderr + agents[2].stderr)

        try hosts.cut(3)
        XCTAssertNotNil(orchestrator.waitForEvent(["event": "lost", "agent": "agent-2"], timeout: 10), "missed heartbeats mark agent-2 lost")
        let deadline = Date().addingTimeInterval(30)
        var dropped = false
        while !dropped, Date() < deadline {
            dropped = try metrics("dropouts").contains { $0.value > 0 }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTAssertTrue(dropped, "a round went on without agent-2 once round_timeout passed")
        try hosts.restore(3)

        let (status, job) = finish(orchestrator, timeout: 240)
        XCTAssertEqual(status, 0, orchestrator.stderr)
        XCTAssertEqual(job?["status"] as? String, "succeeded")
        XCTAssertEqual(try metrics("dropouts").filter { $0.client == nil }.count, 300)
    }
}
