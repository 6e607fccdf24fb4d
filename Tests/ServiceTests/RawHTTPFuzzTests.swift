import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Service
import TestSupport
import XCTest

/// Below the router: malformed HTTP on a real loopback socket (broken request lines, bad header
/// syntax, lying lengths, binary garbage, half-sent requests) must not take the server down — after
/// every batch a well-formed request is still answered.
final class RawHTTPFuzzTests: XCTestCase {
    static let inputs = FuzzInputs.count(everyday: 200, full: 2_000)

    func testMalformedHTTPOnTheSocketLeavesTheServerAnswering() async throws {
        let fixture = try APIFixture()
        var configuration = fixture.configuration
        configuration.port = 0
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = APIServer.application(configuration: configuration, database: fixture.database, logger: quietLogger) { continuation.yield($0) }
        let server = Task { try await app.run() }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let first = await iterator.next()
        let port = try XCTUnwrap(first)

        var fuzz = FuzzInputs(stream: "raw-http")
        let templates = [
            "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST /api/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(testToken)\r\nContent-Length: 20\r\n\r\nname: x\nseed: 1\n",
            "POST /api/training/start HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        ]
        var answered = 0
        for index in 0..<Self.inputs {
            var bytes: [UInt8]
            switch fuzz.below(6) {
            case 0: bytes = (0..<fuzz.below(400)).map { _ in UInt8(truncatingIfNeeded: fuzz.rng.next()) }
            case 1: bytes = Array(fuzz.pick(templates).utf8.prefix(fuzz.below(80)))                     // cut short
            case 2: bytes = Array("\(fuzz.junk(12)) /\(fuzz.junk(30)) HTTP/\(fuzz.pick(["1.1", "9.9", "x", ""]))\r\n\r\n".utf8)
            case 3: bytes = Array("GET /api/health HTTP/1.1\r\n\(fuzz.junk(40)): \(fuzz.junk(40))\r\nContent-Length: \(fuzz.pick(["-1", "x", "99999999999999999999", "5, 6"]))\r\n\r\n".utf8)
            case 4: bytes = Array("POST /api/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\(fuzz.pick(["zz", "-1", "FFFFFFFFFFFFFFFFFF", "5"]))\r\n\(fuzz.junk(20))\r\n".utf8)
            default: bytes = fuzz.mutate(fuzz.pick(templates))
            }
            if Self.exchange(port: port, bytes) != nil { answered += 1 }
            if index % 25 == 24 {
                let reply = try XCTUnwrap(Self.exchange(port: port, Array("GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)),
                                          "input \(index): the server stopped answering")
                XCTAssertTrue(reply.hasPrefix("HTTP/1.1 200"), "input \(index): \(reply.prefix(80))")
            }
        }
        print("raw http fuzz: \(Self.inputs) connections, \(answered) answered with some bytes")
    }

    /// Sends `bytes` on a new connection, half-closes, and reads until the server closes or 2 s pass.
    /// Returns what came back (nil if nothing did).
    static func exchange(port: Int, _ bytes: [UInt8]) -> String? {
        guard let reply = LoopbackSocket.exchange(port: port, bytes), !reply.isEmpty else { return nil }
        return String(decoding: reply, as: UTF8.self)
    }
}
