import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Service
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
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(fd, Int32(SHUT_WR))
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while reply.count < 1 << 20 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            reply += buffer[0..<n]
        }
        return reply.isEmpty ? nil : String(decoding: reply, as: UTF8.self)
    }
}
