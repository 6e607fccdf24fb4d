import Foundation
import GRDB
import ResultsStore
import TestSupport
import XCTest

/// An agent on a host of its own: a network namespace made by the test, joined to the
/// orchestrator's by a veth pair with addresses of its own (10.231.N.1 ⇄ 10.231.N.2). Cutting
/// the link (`ip link set … down`) neither kills the agent nor closes its stream — no RST, no FIN,
/// the packets just stop — which is what a failed router or a pulled cable does. Past
/// `round_timeout` the agent is a dropout, and the round goes on with the others.
final class AgentNetnsTests: XCTestCase {
    var root: URL!
    var port = 0
    var namespace = ""
    var hostSide = ""
    var subnet = 0
    var kits: URL { root.appendingPathComponent("kits") }
    var database: String { root.appendingPathComponent("orchestrator.sqlite").path }
    var orchestratorAddress: String { "10.231.\(subnet).1" }

    @discardableResult
    func ip(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip"), getuid() == 0 else {
            throw XCTSkip("network namespaces need root and iproute2 (/usr/sbin/ip); the loopback tests cover the rest")
        }
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        namespace = "pfagent\(pid)"
        hostSide = "pfv\(pid % 100_000)a"
        subnet = 1 + pid % 250
        guard try ip(["netns", "add", namespace]) == 0 else {
            throw XCTSkip("cannot make a network namespace here (ip netns add failed): not permitted in this container")
        }
        let peer = "pfv\(pid % 100_000)b"
        for command in [["link", "add", hostSide, "type", "veth", "peer", "name", peer], ["link", "set", peer, "netns", namespace],
                        ["addr", "add", "\(orchestratorAddress)/30", "dev", hostSide], ["link", "set", hostSide, "up"],
                        ["netns", "exec", namespace, "ip", "addr", "add", "10.231.\(subnet).2/30", "dev", peer],
                        ["netns", "exec", namespace, "ip", "link", "set", peer, "up"],
                        ["netns", "exec", namespace, "ip", "link", "set", "lo", "up"]] {
            XCTAssertEqual(try ip(command), 0, "ip \(command.joined(separator: " "))")
        }
        root = URL(fileURLWithPath: try scratchDirectory(prefix: "agent-netns"))
        port = LoopbackSocket.freePort()
        let outcome = try PrivfedProcess(database: database).run(["provision", "--out", kits.path, "--agents", "3", "--host", orchestratorAddress,
                                                                  "--port", "\(port)"], usesDatabase: false)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
    }

    override func tearDownWithError() throws {
        if !namespace.isEmpty { try? ip(["netns", "del", namespace]) }  // takes the veth pair with it
        if let root { try? FileManager.default.removeItem(at: root) }
    }

    func testALinkCutPastTheRoundDeadlineIsADropoutAndTheRoundGoesOn() throws {
        let path = root.appendingPathComponent("cut.yaml").path
        try smallMNISTManifest(name: "agents-cut", seed: 9, clients: 3, trainExamples: 900, testExamples: 500, rounds: 300, clientsPerRound: 3,
                               extra: "  deployment: agents\n  join_timeout: 60\n  min_clients: 2\n  round_timeout: 2")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let export = try PrivfedProcess(database: database).run(["partition", "export", path, "--out", root.appendingPathComponent("shards").path],
                                                                usesDatabase: false)
        XCTAssertEqual(export.status, 0, export.stderr)
        let orchestrator = try LinkProcess(["orchestrator", "--identity", kits.appendingPathComponent("orchestrator").path, "--host", "0.0.0.0",
                                            "--agent-port", "\(port)", "--run", path, "--db", database, "--json"])
        defer { orchestrator.end() }
        XCTAssertNotNil(orchestrator.waitForEvent(["event": "listening"], timeout: 20), orchestrator.stderr)
        let agents = try (0..<3).map { k in
            try LinkProcess(["agent", "--identity", kits.appendingPathComponent("agent-\(k)").path,
                             "--data", root.appendingPathComponent("shards/client-\(k)").path, "--heartbeat", "0.2", "--json"],
                            wrapper: k == 2 ? ["/usr/sbin/ip", "netns", "exec", namespace] : [])
        }
        defer { for agent in agents { agent.end() } }
        XCTAssertNotNil(orchestrator.waitForEvent(["event": "round"], timeout: 60), orchestrator.stderr + agents[2].stderr)

        XCTAssertEqual(try ip(["link", "set", hostSide, "down"]), 0)
        XCTAssertNotNil(orchestrator.waitForEvent(["event": "lost", "agent": "agent-2"], timeout: 10), "missed heartbeats mark agent-2 lost")
        let deadline = Date().addingTimeInterval(30)
        var dropped = false
        while !dropped, Date() < deadline {
            dropped = try dropouts().contains { $0 > 0 }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTAssertTrue(dropped, "a round went on without agent-2 once round_timeout passed")
        XCTAssertEqual(try ip(["link", "set", hostSide, "up"]), 0)

        let end = Date().addingTimeInterval(240)
        while orchestrator.process.isRunning, Date() < end { Thread.sleep(forTimeInterval: 0.1) }
        orchestrator.end()
        XCTAssertEqual(orchestrator.process.terminationStatus, 0, orchestrator.stderr)
        XCTAssertEqual(orchestrator.waitForEvent(["event": "finished"], timeout: 1).flatMap { ($0["job"] as? [String: Any])?["status"] as? String },
                       "succeeded")
        XCTAssertEqual(try dropouts().count, 300)
    }

    func dropouts() throws -> [Double] {
        let db = try ResultsDatabase.forReading(path: database)
        return try db.writer.read { db in try Double.fetchAll(db, sql: "SELECT value FROM metrics WHERE name = 'dropouts' ORDER BY round") }
    }
}
