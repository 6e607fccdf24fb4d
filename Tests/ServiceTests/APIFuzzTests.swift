import Foundation
import Hummingbird
import HummingbirdTesting
import Service
import XCTest
import TestSupport

/// The HTTP API survives 10,000 (`PRIVFED_FUZZ=full`; 1,000 everyday) seeded random and mutated requests through the in-process
/// application: random methods, paths, query strings, headers and bodies (mutated manifests, JSON,
/// random bytes, bodies over the limit). Every answer is a known status; every error has the stable
/// shape with its own status; nothing answers 500; no request takes seconds.
final class APIFuzzTests: XCTestCase {
    static let inputs = FuzzInputs.count(everyday: 1_000, full: 10_000)

    func testRandomRequestsGetKnownStatusesAndStableErrors() async throws {
        let fixture = try APIFixture(maxBodyBytes: 8192)
        let manifests = ["quickstart.yaml", "mnist-dp-federated.yaml", "mnist-ckks.yaml", "mnist-secagg.yaml"]
            .map { try! String(contentsOf: repositoryRoot.appendingPathComponent("manifests/" + $0), encoding: .utf8) } + [tinyManifest()]
        let known: Set<Int> = [200, 202, 400, 401, 404, 405, 409, 413, 422]
        try await fixture.test { client in
            var fuzz = FuzzInputs(stream: "http")
            var statuses: [Int: Int] = [:]
            for index in 0..<Self.inputs {
                let method: HTTPRequest.Method = fuzz.pick([.get, .post, .post, .post, .put, .delete, .patch, .options,
                                                            HTTPRequest.Method("PRIVFED")!, HTTPRequest.Method("BREW")!])
                let id = fuzz.pick(["1", "2", "0", "-3", "abc", "99999999999999999999", "1.5", "%31", "", "1;DROP TABLE jobs", "é", "00001"])
                var path = fuzz.pick([
                    "/api/training/start", "/api/jobs", "/api/jobs/\(id)", "/api/jobs/\(id)/ledger", "/api/jobs/\(id)/report",
                    "/api/jobs/\(id)/cancel", "/api/health", "/api/openapi.yaml", "/", "/api", "/api/", "/api/jobs/",
                    "/api//jobs", "/api/jobs/\(id)/x", "/API/JOBS", "/api/../api/jobs", "/" + fuzz.junk(40),
                    "/api/jobs/" + String(repeating: "9", count: 3000),
                ])
                if fuzz.chance(0.2) { path += "?" + fuzz.pick(["limit=1", "limit=-5", "limit=abc", "format=csv", "format=json", "format=x", fuzz.junk(30)]) }
                var headers = HTTPFields()
                switch fuzz.below(10) {
                case 0: break
                case 1: headers[.authorization] = "Bearer wrong-token-000000000000"
                case 2: headers[.authorization] = fuzz.pick(["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "bearer \(testToken)", testToken, fuzz.junk(50)])
                default: headers[.authorization] = "Bearer \(testToken)"
                }
                if fuzz.chance(0.3) { headers[.contentType] = fuzz.pick(["application/json", "application/yaml", "text/plain", fuzz.junk(20)]) }
                if fuzz.chance(0.05) { headers[.contentLength] = fuzz.pick(["0", "5", "999999999", "-1", "abc"]) }
                let body: [UInt8]?
                switch fuzz.below(9) {
                case 0: body = nil
                case 1: body = Array(#"{"privacy": "\#(fuzz.pick(["differential", "homomorphic", "mpc", "combined", "DP", ""]))"}"#.utf8)
                case 2: body = Array(fuzz.pick([#"{"privacy": "#, "{}", "[]", "null", "{\"privacy\": {}}", "[{\"a\": 1}]", "{\"a\":}", "\"str\""]).utf8)
                case 3: body = (0..<fuzz.below(200)).map { _ in UInt8(truncatingIfNeeded: fuzz.rng.next()) }
                case 4: body = Array(repeating: UInt8(ascii: "a"), count: 8192 + 1 + fuzz.below(20_000))
                case 5: body = Array(fuzz.pick(manifests).utf8)
                default: body = fuzz.mutate(fuzz.pick(manifests))
                }
                let t0 = ContinuousClock.now
                let response = try await client.executeRequest(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
                let elapsed = t0.duration(to: .now)
                XCTAssertLessThan(elapsed, .seconds(2), "input \(index): \(method) \(path) took \(elapsed)")
                let code = response.status.code
                statuses[code, default: 0] += 1
                XCTAssertTrue(known.contains(code), "input \(index): \(method) \(path) answered \(code): \(String(buffer: response.body).prefix(300))")
                if code >= 400 {
                    guard let error = response.apiError?.error else {
                        XCTFail("input \(index): \(method) \(path) answered \(code) without the error shape: \(String(buffer: response.body).prefix(300))")
                        continue
                    }
                    XCTAssertEqual(error.status, code, "input \(index)")
                    XCTAssertFalse(error.code.isEmpty || error.message.isEmpty, "input \(index)")
                    XCTAssertFalse(error.message.contains(testToken), "input \(index): the token is in an error")
                    if code == 401 { XCTAssertNotNil(response.headers[.wwwAuthenticate], "input \(index)") }
                    if code == 405 { XCTAssertNotNil(response.headers[.allow], "input \(index)") }
                    if code == 422 && error.code == "invalid_manifest" { XCTAssertFalse(error.issues?.isEmpty ?? true, "input \(index)") }
                }
            }
            print("http fuzz: \(Self.inputs) requests, statuses \(statuses.sorted { $0.key < $1.key })")
            XCTAssertEqual(statuses.values.reduce(0, +), Self.inputs)
            for expected in [200, 202, 400, 401, 404, 405, 413, 422] {
                XCTAssertGreaterThan(statuses[expected] ?? 0, 0, "no input reached status \(expected)")
            }
        }
    }
}
