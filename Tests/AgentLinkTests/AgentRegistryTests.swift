@testable import AgentLink
import Foundation
import Provisioning
import XCTest

/// The registry's liveness rule, on a clock the test sets: lost after 3 missed intervals, not
/// before; a stale stream's end does not remove an agent that rejoined on a new one; and the
/// orchestrator refuses a hello that claims another certificate's name or role.
final class AgentRegistryTests: XCTestCase {
    func hello(_ name: String, ms: UInt32 = 200) -> AgentHello {
        AgentHello(name: name, role: .agent, data: AgentData(sha256: String(repeating: "0", count: 64), examples: 10), version: "t", heartbeatMilliseconds: ms)
    }

    func testAnAgentIsLostOnlyAfterThreeMissedIntervals() {
        let registry = AgentRegistry(), start = Date(timeIntervalSince1970: 1000)
        let (session, joined) = registry.join(hello("agent-0"), now: start)
        XCTAssertEqual(joined.change, .joined)
        XCTAssertEqual(registry.sweep(now: start.addingTimeInterval(0.59)), [])
        XCTAssertNil(registry.heartbeat("agent-0", session: session, now: start.addingTimeInterval(0.5)))
        XCTAssertEqual(registry.sweep(now: start.addingTimeInterval(1.09)), [])
        XCTAssertEqual(registry.sweep(now: start.addingTimeInterval(1.11)).map(\.change), [.lost])
        XCTAssertEqual(registry.agents.map(\.state), [.lost])
        XCTAssertEqual(registry.heartbeat("agent-0", session: session, now: start.addingTimeInterval(1.2))?.change, .rejoined)
        XCTAssertEqual(registry.agents.map(\.state), [.connected])
    }

    func testAStaleStreamEndingDoesNotUnlistARejoinedAgent() {
        let registry = AgentRegistry(), now = Date()
        let old = registry.join(hello("agent-1"), now: now).session
        let (new, rejoined) = registry.join(hello("agent-1"), now: now)
        XCTAssertEqual(rejoined.change, .rejoined)
        XCTAssertNil(registry.leave("agent-1", session: old))
        XCTAssertNil(registry.heartbeat("agent-1", session: old, now: now))
        XCTAssertEqual(registry.agents.map(\.state), [.connected])
        XCTAssertEqual(registry.leave("agent-1", session: new)?.change, .disconnected)
    }

    func testAHelloMustNameItsCertificatesParticipant() throws {
        let peer = try Participant(name: "agent-0", role: .agent)
        XCTAssertNil(AgentLinkService.refusal(of: hello("agent-0"), from: peer))
        XCTAssertEqual(AgentLinkService.refusal(of: hello("agent-1"), from: peer), "the hello names agent-1, but the certificate is agent-0's")
        var shareHolder = hello("agent-0")
        shareHolder.role = .shareHolder
        XCTAssertNotNil(AgentLinkService.refusal(of: shareHolder, from: peer))
        XCTAssertNotNil(AgentLinkService.refusal(of: hello("orchestrator"), from: try Participant(name: "orchestrator", role: .orchestrator)))
    }

    func testBackoffDoublesUpToItsCapAndResets() {
        var backoff = ReconnectBackoff(initial: 0.1, cap: 2)
        var generator = SystemRandomNumberGenerator()
        let waits = (0..<8).map { _ in backoff.next(using: &generator) }
        for (i, wait) in waits.enumerated() {
            let base = min(2, 0.1 * Double(1 << i))
            XCTAssertTrue((0.8 * base)...base ~= wait, "attempt \(i): \(wait)")
        }
        backoff.reset()
        XCTAssertLessThanOrEqual(backoff.next(using: &generator), 0.1)
    }

    func testOrchestratorAddressesParse() throws {
        XCTAssertEqual(try OrchestratorAddress(parsing: "orch.example.org:8002"), OrchestratorAddress(host: "orch.example.org", port: 8002))
        XCTAssertEqual(try OrchestratorAddress(parsing: "[::1]:9"), OrchestratorAddress(host: "::1", port: 9))
        for bad in ["orch", "orch:0", "orch:70000", ":80", "::1:80"] {
            XCTAssertThrowsError(try OrchestratorAddress(parsing: bad), bad)
        }
    }
}
