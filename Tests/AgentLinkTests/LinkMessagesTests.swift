@testable import AgentLink
import Provisioning
import Wire
import XCTest

/// The link's messages round-trip through the common PFW1 frame, and every truncated, padded or
/// mislabelled input is a typed `WireError` — the orchestrator reads them from the network.
final class LinkMessagesTests: XCTestCase {
    let hello = AgentHello(name: "agent-3", role: .agent, data: AgentData(sha256: String(repeating: "ab", count: 32), examples: 600),
                           version: "0.1.0", heartbeatMilliseconds: 200)
    let refused = AgentWelcome(refusal: "the hello names agent-1, but the certificate is agent-0's", heartbeatMilliseconds: 0)
    let accepted = AgentWelcome(heartbeatMilliseconds: 5000)
    let beat = Heartbeat(sequence: 0xDEAD_BEEF_0000_0007)

    func testMessagesRoundTrip() throws {
        XCTAssertEqual(try AgentHello.decode(hello.encoded()), hello)
        XCTAssertEqual(try AgentWelcome.decode(refused.encoded()), refused)
        XCTAssertEqual(try AgentWelcome.decode(accepted.encoded()), accepted)
        XCTAssertTrue(try AgentWelcome.decode(accepted.encoded()).accepted)
        XCTAssertEqual(try Heartbeat.decode(beat.encoded()), beat)
    }

    func testKindsAreTheLinksOwnAndReadableBeforeDecoding() throws {
        XCTAssertEqual(try WireFrame.kind(of: hello.encoded()), 20)
        XCTAssertEqual(try WireFrame.kind(of: accepted.encoded()), 21)
        XCTAssertEqual(try WireFrame.kind(of: beat.encoded()), 22)
        XCTAssertThrowsError(try Heartbeat.decode(hello.encoded())) { XCTAssertEqual($0 as? WireError, .unexpectedKind(expected: 22, found: 20)) }
    }

    func testEveryTruncationAndPaddingIsATypedError() {
        let cases: [([UInt8], ([UInt8]) throws -> Any)] = [
            (hello.encoded(), { try AgentHello.decode($0) }), (refused.encoded(), { try AgentWelcome.decode($0) }),
            (beat.encoded(), { try Heartbeat.decode($0) }),
        ]
        for (bytes, decode) in cases {
            for cut in 0..<bytes.count {
                XCTAssertThrowsError(try decode(Array(bytes.prefix(cut)))) { XCTAssertTrue($0 is WireError, "cut at \(cut): \($0)") }
            }
            XCTAssertThrowsError(try decode(bytes + [0])) { XCTAssertTrue($0 is WireError) }
        }
    }

    func testAHelloWithAnUnknownRoleOrAMalformedHashIsRefused() {
        var w = WireWriter()
        w.blob(Array("agent-0".utf8)); w.blob(Array("root".utf8)); w.blob(Array(String(repeating: "0", count: 64).utf8))
        w.u64(1); w.blob(Array("0.1.0".utf8)); w.u32(100)
        XCTAssertThrowsError(try AgentHello.decode(WireFrame.frame(kind: 20, payload: w.bytes))) {
            XCTAssertEqual($0 as? WireError, .invalidValue(field: "role", reason: "\"root\" is no participant role"))
        }
        var bad = hello
        bad.data.sha256 = "not-a-hash"
        XCTAssertThrowsError(try AgentHello.decode(bad.encoded())) { XCTAssertTrue($0 is WireError) }
    }
}
