import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ResultsStore
import Service
import TestSupport
import XCTest

/// A caller of the HTTP API tries to make the server read files it never published, by naming
/// them as the dataset of a submitted manifest, and to learn where the server keeps its files
/// from the error it gets back.
final class DatasetsRootTests: XCTestCase {
    static let token = "sec-token-datasets-root-41a7"

    func testManifestsNamingDatasetsOutsideTheRootAre422AndNoErrorNamesAServerPath() async throws {
        let directory = try scratchDirectory(prefix: "datasets-root")
        let root = directory + "/published", manifests = directory + "/manifests"
        for folder in [root + "/mnist", manifests, directory + "/private"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        try FileManager.default.createSymbolicLink(atPath: root + "/escape", withDestinationPath: directory + "/private")
        try FileManager.default.createSymbolicLink(atPath: root + "/dangling", withDestinationPath: "../../elsewhere/not-yet")
        try FileManager.default.createSymbolicLink(atPath: root + "/inside", withDestinationPath: "mnist")
        let db = try scratchDatabase(in: directory)
        let configuration = APIConfiguration(manifestsDirectory: manifests, datasetsRoot: root,
                                             tokens: try BearerTokens([Self.token]), workers: 0)
        let app = APIServer.application(configuration: configuration, database: db, logger: .init(label: "t") { _ in SwiftLogNoOpLogHandler() })
        let attacks = ["/etc", directory + "/private", root + "/../private", root + "/escape", root + "/escape/x",
                       "../../../../../../etc", "../private", "/", root + "x", root + "/dangling", root + "/dangling/mnist"]
        let allowed = [root + "/mnist", root, "../published/mnist", root + "/mnist/../mnist", root + "/inside"]
        try await app.test(.router) { client in
            for path in attacks {
                let body = smallMNISTManifest(name: "attack", seed: 1, mnistPath: path, clients: 2, trainExamples: 100,
                                              testExamples: 50, rounds: 1, clientsPerRound: 2)
                let response = try await client.executeRequest(uri: "/api/jobs", method: .post,
                                                               headers: [.authorization: "Bearer \(Self.token)"], body: ByteBuffer(string: body))
                let text = String(buffer: response.body)
                XCTAssertEqual(response.status.code, 422, "\(path): \(text)")
                XCTAssertTrue(text.contains("request:5: dataset.path: names a folder outside"), "\(path): \(text)")
                for secret in [directory, root, manifests, "/etc", "/private"] {
                    XCTAssertFalse(text.contains(secret), "\(path): the error names \(secret): \(text)")
                }
            }
            for path in allowed {
                let body = smallMNISTManifest(name: "fine", seed: 1, mnistPath: path, clients: 2, trainExamples: 100,
                                              testExamples: 50, rounds: 1, clientsPerRound: 2)
                let response = try await client.executeRequest(uri: "/api/jobs", method: .post,
                                                               headers: [.authorization: "Bearer \(Self.token)"], body: ByteBuffer(string: body))
                XCTAssertEqual(response.status.code, 202, "\(path): \(String(buffer: response.body))")
            }
        }
        XCTAssertEqual(try db.jobs().count, allowed.count, "a refused manifest leaves no job")
    }

    /// A shipped manifest the server may not run (its dataset outside the root) is refused with
    /// its file name, never the folder the server keeps it in.
    func testAPresetOutsideTheRootIsRefusedByFileNameAlone() async throws {
        let directory = try scratchDirectory(prefix: "datasets-root-preset")
        let manifests = directory + "/manifests"
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        let text = smallMNISTManifest(name: "preset", seed: 1, mnistPath: "../../elsewhere", clients: 2, trainExamples: 100,
                                      testExamples: 50, rounds: 1, clientsPerRound: 2)
        try writeManifest(text, in: manifests, named: "mnist-dp-federated.yaml")
        let db = try scratchDatabase(in: directory)
        let configuration = APIConfiguration(manifestsDirectory: manifests, datasetsRoot: directory + "/published",
                                             tokens: try BearerTokens([Self.token]), workers: 0)
        let app = APIServer.application(configuration: configuration, database: db, logger: .init(label: "t") { _ in SwiftLogNoOpLogHandler() })
        try await app.test(.router) { client in
            let response = try await client.executeRequest(uri: "/api/training/start", method: .post,
                                                           headers: [.authorization: "Bearer \(Self.token)"],
                                                           body: ByteBuffer(string: #"{"privacy": "differential"}"#))
            let text = String(buffer: response.body)
            XCTAssertEqual(response.status.code, 422, text)
            XCTAssertTrue(text.contains("\"mnist-dp-federated.yaml:5: dataset.path: names a folder outside"), text)
            XCTAssertFalse(text.contains(directory), text)
        }
        XCTAssertEqual(try db.jobs().count, 0)
    }
}
