import Foundation
import Learning
import Provisioning
import X509
import TestSupport
import XCTest

/// The agent link as it is deployed: `privfed provision` kits, an orchestrator process and agent
/// processes on loopback. The attacks and failures: plain TCP on the agent port, a certificate
/// from another federation's CA or none at all, a kit pinned to another CA, a data folder that
/// fails its SHA256SUMS, an agent killed (SIGKILL), the orchestrator killed and restarted.
final class AgentLinkProcessTests: XCTestCase {
    var root: URL!
    var port = 0
    var kits: URL { root.appendingPathComponent("kits") }

    override func setUpWithError() throws {
        root = URL(fileURLWithPath: try scratchDirectory(prefix: "agent-link"))
        port = LoopbackSocket.freePort()
        try provision(into: kits)
        for k in 0..<2 { try writeShard(k) }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func provision(into out: URL) throws {
        let outcome = try PrivfedProcess(database: root.appendingPathComponent("unused.sqlite").path)
            .run(["provision", "--out", out.path, "--agents", "2", "--host", "127.0.0.1", "--port", "\(port)"], usesDatabase: false)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
    }

    func shard(_ k: Int) -> URL { root.appendingPathComponent("shards/client-\(k)") }

    /// A small MNIST-layout training folder with its SHA256SUMS, as `privfed partition export` writes.
    func writeShard(_ k: Int, examples: Int = 12) throws {
        try FileManager.default.createDirectory(at: shard(k), withIntermediateDirectories: true)
        let pixels = (0..<(examples * LabeledImages.pixelsPerImage)).map { Float(($0 * 7 + k) % 256) / 255 }
        try MNIST.writeTrainingFiles(LabeledImages(pixels: pixels, labels: (0..<examples).map { UInt8(($0 + k) % 10) }), directory: shard(k).path)
    }

    func startOrchestrator() throws -> LinkProcess {
        let orchestrator = try LinkProcess(["orchestrator", "--identity", kits.appendingPathComponent("orchestrator").path,
                                            "--host", "127.0.0.1", "--agent-port", "\(port)", "--json"])
        XCTAssertNotNil(orchestrator.waitForEvent(["event": "listening"], timeout: 10), "orchestrator: \(orchestrator.stderr)")
        return orchestrator
    }

    /// Agent `k` with its own kit and shard, dialling the address its config.json names.
    func startAgent(_ k: Int) throws -> LinkProcess {
        try LinkProcess(["agent", "--identity", kits.appendingPathComponent("agent-\(k)").path, "--data", shard(k).path,
                         "--heartbeat", "0.2", "--json"])
    }

    func testBothAgentsJoinAndAKilledAgentIsLostAfterMissedHeartbeats() throws {
        let orchestrator = try startOrchestrator()
        let agents = try (0..<2).map { try startAgent($0) }
        for k in 0..<2 {
            let joined = orchestrator.waitForEvent(["event": "joined", "agent": "agent-\(k)"], timeout: 10)
            XCTAssertNotNil(joined, "agent-\(k) never joined: \(orchestrator.lines) \(agents[k].stderr)")
            let detail = joined?["detail"] as? [String: Any]
            XCTAssertEqual(detail?["role"] as? String, "agent")
            XCTAssertEqual((detail?["data"] as? [String: Any])?["examples"] as? Int, 12)
            XCTAssertNotNil(agents[k].waitForEvent(["event": "connected"], timeout: 5))
        }
        let killed = Date()
        agents[1].signal(SIGKILL)
        XCTAssertNotNil(orchestrator.waitForEvent(["event": "lost", "agent": "agent-1"], timeout: 5), "\(orchestrator.lines)")
        XCTAssertGreaterThan(Date().timeIntervalSince(killed), 0.3, "lost before 3 intervals of 0.2 s had passed")
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(orchestrator.count(["event": "lost", "agent": "agent-0"]), 0, "the live agent was marked lost: \(orchestrator.lines)")
        agents[0].signal(SIGTERM)
        agents[0].process.waitUntilExit()
        XCTAssertEqual(agents[0].process.terminationStatus, 0, agents[0].stderr)
        XCTAssertNotNil(orchestrator.waitForEvent(["event": "disconnected", "agent": "agent-0"], timeout: 5))
    }

    /// `privfed serve --agent-port` runs the same link beside the HTTP API.
    func testServeAcceptsAgentsOnItsAgentPort() throws {
        let serve = try LinkProcess(["serve", "--port", "0", "--insecure-no-auth", "--workers", "0", "--json",
                                     "--db", root.appendingPathComponent("serve.sqlite").path,
                                     "--agent-port", "\(port)", "--identity", kits.appendingPathComponent("orchestrator").path])
        XCTAssertNotNil(serve.waitForEvent(["event": "listening"], timeout: 10), "serve: \(serve.lines) \(serve.stderr)")
        let agent = try startAgent(0)
        XCTAssertNotNil(serve.waitForEvent(["event": "joined", "agent": "agent-0"], timeout: 10), "\(serve.lines) \(agent.stderr)")
        XCTAssertNotNil(agent.waitForEvent(["event": "connected"], timeout: 5))

        // The HTTP API lists it, by the name its certificate carries.
        let httpPort = try XCTUnwrap(serve.events.first { $0["url"] != nil }?["port"] as? Int, "\(serve.lines)")
        let request = Array("GET /api/agents HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        let reply = String(decoding: try XCTUnwrap(LoopbackSocket.exchange(port: httpPort, request, timeoutSeconds: 5)), as: UTF8.self)
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 200"), reply)
        let body = try XCTUnwrap(reply.range(of: "\r\n\r\n").map { reply[$0.upperBound...] })
        let list = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], reply)
        XCTAssertEqual(list["agent_link"] as? Bool, true)
        let agents = try XCTUnwrap(list["agents"] as? [[String: Any]])
        XCTAssertEqual(agents.map { $0["name"] as? String }, ["agent-0"])
        XCTAssertEqual(agents.first?["state"] as? String, "connected")
        XCTAssertEqual(agents.first?["role"] as? String, "agent")
    }

    func testAgentsRejoinARestartedOrchestrator() throws {
        var orchestrator = try startOrchestrator()
        let agents = try (0..<2).map { try startAgent($0) }
        for k in 0..<2 {
            XCTAssertNotNil(orchestrator.waitForEvent(["event": "joined", "agent": "agent-\(k)"], timeout: 10))
            XCTAssertNotNil(agents[k].waitForEvent(["event": "connected"], timeout: 5), "agent-\(k) was never welcomed: \(agents[k].lines)")
        }
        // SIGTERM ends the link-only orchestrator at once and cleanly, with its agents connected
        // (it does not drain the server while they redial into it).
        orchestrator.signal(SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while orchestrator.process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertFalse(orchestrator.process.isRunning, "SIGTERM did not end the orchestrator")
        orchestrator.end()
        XCTAssertEqual(orchestrator.process.terminationReason, .exit, orchestrator.stderr)
        XCTAssertEqual(orchestrator.process.terminationStatus, 0, orchestrator.stderr)
        for agent in agents { XCTAssertNotNil(agent.waitForEvent(["event": "lost_connection"], timeout: 5), "\(agent.lines)") }
        let restarted = Date()
        orchestrator = try startOrchestrator()
        for k in 0..<2 {
            XCTAssertNotNil(orchestrator.waitForEvent(["event": "joined", "agent": "agent-\(k)"], timeout: 8), "\(orchestrator.lines)")
            XCTAssertNotNil(agents[k].waitForEvent(["event": "rejoined"], timeout: 2), "\(agents[k].lines)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(restarted), 6, "rejoining took too long")
    }

    /// Plain TCP speaking HTTP/2 gets a TLS alert or nothing, never the server's SETTINGS frame;
    /// `openssl s_client` with another federation's certificate, or none, is refused by the server
    /// (a TLS alert), and no agent joins.
    func testPlainTCPAndCertificatesNotFromTheFederationGetNoSession() throws {
        let orchestrator = try startOrchestrator()
        let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]
        let reply = try XCTUnwrap(LoopbackSocket.exchange(port: port, preface, timeoutSeconds: 1), "cannot connect to the agent port")
        XCTAssertTrue(reply.isEmpty || reply[0] == 0x15, "plain TCP got a reply that is not a TLS alert: \(reply.prefix(16))")

        let other = root.appendingPathComponent("other-kits")
        try provision(into: other)
        let ca = kits.appendingPathComponent("orchestrator/ca.pem").path
        let foreign = try opensslClient(["-cert", other.appendingPathComponent("agent-0/certificate.pem").path,
                                         "-key", other.appendingPathComponent("agent-0/private-key.pem").path, "-CAfile", ca])
        XCTAssertTrue(foreign.contains("SSL alert number"), "a foreign certificate was not refused:\n\(foreign)")
        let none = try opensslClient(["-CAfile", ca])
        XCTAssertTrue(none.contains("SSL alert number"), "a client without a certificate was not refused:\n\(none)")
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertEqual(orchestrator.count(["event": "joined"]), 0)
    }

    /// agent-1's certificate is re-issued by the federation's own CA for its own key, but expired
    /// a month ago (valid for a year from 13 months back). The orchestrator's TLS refuses it: the
    /// agent never joins, and its own line names why it cannot connect.
    func testAnExpiredCertificateFromTheFederationsCAIsRefused() throws {
        let authority = try CertificateAuthority.load(from: kits.appendingPathComponent("ca"))
        let kit = kits.appendingPathComponent("agent-1")
        let key = try Certificate.PrivateKey(pemEncoded: String(contentsOf: kit.appendingPathComponent("private-key.pem"), encoding: .utf8))
        let expired = try authority.issue(try Participant(name: "agent-1", role: .agent), publicKey: key.publicKey,
                                          now: Date().addingTimeInterval(-395 * 86_400))
        try XCTUnwrap(ParticipantSignature.pem(expired)).write(to: kit.appendingPathComponent("certificate.pem"), atomically: true, encoding: .utf8)
        let orchestrator = try startOrchestrator()
        let agent = try startAgent(1)
        let unreachable = agent.waitForEvent(["event": "unreachable"], timeout: 15)
        XCTAssertNotNil(unreachable, "agent: \(agent.lines) \(agent.stderr)")
        XCTAssertTrue("\(unreachable?["reason"] ?? "")".lowercased().contains("certificate"), "\(unreachable ?? [:])")
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(orchestrator.count(["event": "joined"]), 0)
        agent.end()
    }

    func testAKitPinnedToAnotherCAAndDataFailingItsChecksumsAreRefusedNamingTheFile() throws {
        let labels = shard(0).appendingPathComponent("train-labels-idx1-ubyte.gz")
        var bytes = try Data(contentsOf: labels)
        bytes[bytes.count - 5] ^= 0x01
        try bytes.write(to: labels)
        let privfed = try PrivfedProcess(database: root.appendingPathComponent("unused.sqlite").path)
        let corrupt = try privfed.run(["agent", "--identity", kits.appendingPathComponent("agent-0").path, "--data", shard(0).path],
                                      usesDatabase: false)
        XCTAssertNotEqual(corrupt.status, 0)
        XCTAssertTrue(corrupt.stderr.contains("train-labels-idx1-ubyte.gz") && corrupt.stderr.contains("SHA-256"), corrupt.stderr)

        let other = root.appendingPathComponent("other-kits")
        try provision(into: other)
        let kit = kits.appendingPathComponent("agent-1")
        try FileManager.default.removeItem(at: kit.appendingPathComponent("ca.pem"))
        try FileManager.default.copyItem(at: other.appendingPathComponent("agent-1/ca.pem"), to: kit.appendingPathComponent("ca.pem"))
        let repinned = try privfed.run(["agent", "--identity", kit.path, "--data", shard(1).path], usesDatabase: false)
        XCTAssertNotEqual(repinned.status, 0)
        XCTAssertTrue(repinned.stderr.contains("ca.pem") && repinned.stderr.contains("pins"), repinned.stderr)
    }

    /// `openssl s_client` against the agent port, reading until the server closes (at most 5 s).
    func opensslClient(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["timeout", "5", "openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-alpn", "h2", "-ign_eof"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return output
    }
}
