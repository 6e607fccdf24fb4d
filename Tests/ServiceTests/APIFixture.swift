import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ResultsStore
import Service
import TestSupport

/// The token the fixtures accept.
let testToken = "svc-test-token-5f0c2a9e71d34b8a"

/// A small real job: the mlp on 600 MNIST training and 200 test images, 3 clients, `rounds` rounds.
func tinyManifest(name: String = "tiny", rounds: Int = 2, extra: String = "") -> String {
    smallMNISTManifest(name: name, seed: 7, clients: 3, trainExamples: 600, testExamples: 200,
                       rounds: rounds, clientsPerRound: 2, extra: extra)
}

/// The fixtures' applications log nothing (SecurityTests/APIAuthenticationTests reads what the API logs).
let quietLogger = Logger(label: "privfed.test") { _ in SwiftLogNoOpLogHandler() }

/// A fresh database with the repository's migrations and the API in front of it.
struct APIFixture {
    let directory: String
    let database: ResultsDatabase
    let configuration: APIConfiguration

    init(tokens: [String]? = [testToken], maxBodyBytes: Int = APIConfiguration.defaultMaxBodyBytes) throws {
        directory = try scratchDirectory(prefix: "api")
        database = try scratchDatabase(in: directory)
        configuration = APIConfiguration(manifestsDirectory: repositoryRoot.appendingPathComponent("manifests").path,
                                         datasetsRoot: repositoryRoot.appendingPathComponent("datasets").path,
                                         tokens: try tokens.map { try BearerTokens($0) }, maxBodyBytes: maxBodyBytes, workers: 0)
    }

    var app: APIServer.App { APIServer.application(configuration: configuration, database: database, logger: quietLogger) }

    /// Runs `body` against the application in process (no socket).
    func test<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await app.test(.router, body)
    }
}

extension TestClientProtocol {
    /// One request; `token: nil` sends no Authorization header.
    func call(_ method: HTTPRequest.Method, _ uri: String, body: String? = nil, token: String? = testToken,
              headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await executeRequest(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    /// The stable error body, or nil if the body is not one.
    var apiError: APIError.Body? { try? decode(APIError.Body.self) }
}

/// Polls `condition` every 50 ms until it holds or `seconds` pass.
func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}
