import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ResultsStore
import Service
import TestSupport
import XCTest

/// Bearer-token authentication of `privfed serve`: who gets in, what they are told, and that a
/// token never reaches a log line or an error body.
final class APIAuthenticationTests: XCTestCase {
    static let token = "sec-token-3c9d1e0b7a5f42d6"
    static let other = "sec-token-other-88aa77bb66cc"

    func makeFixture(_ tokens: [String]) throws -> (db: ResultsDatabase, app: APIServer.App, logs: LogLines) {
        let db = try scratchDatabase(in: try scratchDirectory(prefix: "auth"))
        let configuration = APIConfiguration(manifestsDirectory: repositoryRoot.appendingPathComponent("manifests").path,
                                             datasetsRoot: repositoryRoot.appendingPathComponent("datasets").path,
                                             tokens: try BearerTokens(tokens), workers: 0)
        let logs = LogLines()
        return (db, APIServer.application(configuration: configuration, database: db, logger: logs.logger), logs)
    }

    func testRequestsWithoutAValidTokenAre401WithAChallengeAndChangeNothing() async throws {
        let (db, app, logs) = try makeFixture([Self.token, Self.other])
        try await app.test(.router) { client in
            let protected: [(HTTPRequest.Method, String)] = [
                (.post, "/api/training/start"), (.post, "/api/jobs"), (.get, "/api/jobs"), (.get, "/api/jobs/1"),
                (.get, "/api/jobs/1/ledger"), (.get, "/api/jobs/1/report"), (.post, "/api/jobs/1/cancel"),
                (.get, "/api/unknown"), (.delete, "/api/jobs"),
            ]
            let presented: [String?] = [nil, "Bearer not-the-token-at-all", "Basic \(Data("u:\(Self.token)".utf8).base64EncodedString())",
                                        "Bearer \(Self.token)x", "Bearer \(Self.token.dropLast())", Self.token, "Bearer"]
            for (method, path) in protected {
                for authorization in presented {
                    var headers = HTTPFields()
                    if let authorization { headers[.authorization] = authorization }
                    let response = try await client.executeRequest(uri: path, method: method, headers: headers,
                                                                   body: ByteBuffer(string: #"{"privacy": "differential"}"#))
                    XCTAssertEqual(response.status, .unauthorized, "\(method) \(path) with \(authorization ?? "nothing")")
                    let challenge = try XCTUnwrap(response.headers[.wwwAuthenticate])
                    XCTAssertTrue(challenge.hasPrefix(#"Bearer realm="privfed""#))
                    XCTAssertEqual(challenge.contains("invalid_token"), authorization != nil)
                    let body = String(buffer: response.body)
                    let error = try JSONDecoder().decode(APIError.Body.self, from: Data(body.utf8)).error
                    XCTAssertEqual(error.status, 401)
                    XCTAssertEqual(error.code, "unauthorized")
                    XCTAssertFalse(body.contains(Self.token), "an error repeats the token")
                }
            }
            // Both tokens work; the scheme is case-insensitive (RFC 7235).
            for authorization in ["Bearer \(Self.token)", "Bearer \(Self.other)", "bearer \(Self.token)", "BEARER  \(Self.other)"] {
                var headers = HTTPFields()
                headers[.authorization] = authorization
                let response = try await client.executeRequest(uri: "/api/jobs", method: .get, headers: headers, body: nil)
                XCTAssertEqual(response.status, .ok, authorization)
            }
        }
        XCTAssertTrue(try db.jobs().isEmpty, "an unauthenticated request queued a job")
        let logText = logs.lines.joined(separator: "\n")
        XCTAssertFalse(logs.lines.isEmpty, "the server logged nothing, so the check below proves nothing")
        XCTAssertFalse(logText.contains(Self.token), "a token reached the log")
        XCTAssertFalse(logText.contains(Self.other), "a token reached the log")
        XCTAssertFalse(logText.contains(String(Self.token.dropLast())), "part of a token reached the log")
    }

    func testTokenErrorsNameTheSourceButNeverTheToken() throws {
        let dir = try scratchDirectory(prefix: "tokens")
        let file = dir + "/tokens.txt"
        try "# API tokens\n\n\(Self.token)\n  \(Self.other)  \n".write(toFile: file, atomically: true, encoding: .utf8)
        let loaded = try BearerTokens.load(file: file)
        XCTAssertEqual(loaded.count, 2)
        XCTAssertTrue(loaded.accepts(Substring(Self.token)))
        XCTAssertTrue(loaded.accepts(Substring(Self.other)))
        XCTAssertFalse(loaded.accepts(Substring(Self.token + " ")))
        XCTAssertFalse(loaded.accepts(""))

        let short = "short-secret-7"
        try "\(Self.token)\n\(short)\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try BearerTokens.load(file: file)) { error in
            XCTAssertEqual(error as? BearerTokenError, .tooShort(source: file, entry: 2))
            XCTAssertFalse("\(error)".contains(short))
        }
        let spaced = "has space in-it-0123456789"
        XCTAssertThrowsError(try BearerTokens.parse(environment: "\(Self.token),\(spaced)", name: "PRIVFED_API_TOKENS")) { error in
            XCTAssertFalse("\(error)".contains("in-it-0123456789"))
        }
        let weird = "tok\u{0}en-0123456789abcdef"
        XCTAssertThrowsError(try BearerTokens([weird])) { error in
            XCTAssertEqual(error as? BearerTokenError, .invalidCharacters(source: "the token list", entry: 1))
        }
        XCTAssertThrowsError(try BearerTokens.parse(environment: " , ", name: "PRIVFED_API_TOKENS")) { error in
            XCTAssertEqual(error as? BearerTokenError, .noTokens(source: "$PRIVFED_API_TOKENS"))
        }
    }

    func testOnlyLoopbackHostsMayServeWithoutAuthentication() {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1"] { XCTAssertTrue(APIConfiguration.isLoopback(host), host) }
        for host in ["0.0.0.0", "10.0.0.1", "192.168.1.1", "example.org", "::", "128.0.0.1", "127.0.0", "127.0.0.256", "127.0.0.1.5"] {
            XCTAssertFalse(APIConfiguration.isLoopback(host), host)
        }
    }

    func testPublicEndpointsAnswerWithoutATokenAndOthersDoNot() async throws {
        let (_, app, _) = try makeFixture([Self.token])
        try await app.test(.router) { client in
            for route in APIRoute.all {
                let response = try await client.executeRequest(uri: route.path.replacingOccurrences(of: "{id}", with: "1"),
                                                               method: route.method, headers: [:], body: nil)
                XCTAssertEqual(response.status == .unauthorized, route.requiresToken, route.description)
            }
        }
        XCTAssertEqual(Set(APIRoute.all.filter { !$0.requiresToken }.map(\.description)), ["GET /api/health", "GET /api/openapi.yaml"])
    }
}

/// Every log record an application wrote, as text with its metadata.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var records: [String] = []
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return records }

    var logger: Logger {
        var logger = Logger(label: "privfed.security-test") { _ in Handler(sink: self) }
        logger.logLevel = .trace
        return logger
    }

    private func append(_ line: String) { lock.lock(); records.append(line); lock.unlock() }

    struct Handler: LogHandler {
        let sink: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            sink.append("\(level) \(source) \(message) \(self.metadata.merging(metadata ?? [:]) { $1 })")
        }
    }
}
