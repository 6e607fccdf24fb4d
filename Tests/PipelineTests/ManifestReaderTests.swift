import Foundation
import XCTest
@testable import Pipeline
import TestSupport

final class ManifestReaderTests: XCTestCase {
    let valid = minimalManifest

    func issues(_ text: String, capabilities: PipelineCapabilities = .current) -> [ManifestIssue] {
        do {
            return try manifestIssues(text, capabilities: capabilities)
        } catch {
            XCTFail("unexpected \(error)")
            return []
        }
    }

    func testValidManifestParsesWithDefaults() throws {
        let m = try ManifestReader().parse(valid, file: "m.yaml")
        XCTAssertEqual(m.federation.localEpochs, 1)
        XCTAssertEqual(m.federation.momentum, 0)
        XCTAssertEqual(m.dataset.path, "datasets/mnist")
        XCTAssertEqual(m.stages, [.selectClients, .localTrain, .aggregate, .evaluate])
        XCTAssertEqual(m.randomness, .reproducible)
    }

    func testTypoedKeyIsReportedWithLineAndSuggestion() {
        let text = valid.replacingOccurrences(of: "  batch_size: 32", with: "  batch_sise: 32")
        let found = issues(text)
        XCTAssertTrue(found.contains { $0.line == 12 && $0.keyPath == "federation.batch_sise" && $0.message.contains("did you mean 'batch_size'") }, "\(found)")
        XCTAssertTrue(found.contains { $0.keyPath == "federation.batch_size" && $0.message == "is required" }, "\(found)")
        XCTAssertEqual(found.first?.description.hasPrefix("m.yaml:"), true)
    }

    func testStringWhereNumberGoesIsATypeError() {
        let found = issues(valid.replacingOccurrences(of: "rounds: 2", with: "rounds: two"))
        XCTAssertEqual(found.map(\.description), ["m.yaml:10: federation.rounds: must be a whole number, got 'two'"])
        let quoted = issues(valid.replacingOccurrences(of: "rounds: 2", with: "rounds: \"2\""))
        XCTAssertEqual(quoted.first?.keyPath, "federation.rounds")
    }

    func testAllProblemsAreReportedAtOnce() {
        let text = valid.replacingOccurrences(of: "rounds: 2", with: "rounds: 0")
            .replacingOccurrences(of: "learning_rate: 0.1", with: "learning_rate: -1")
            .replacingOccurrences(of: "architecture: mlp", with: "architecture: resnet")
        let paths = Set(issues(text).map(\.keyPath))
        XCTAssertEqual(paths, ["federation.rounds", "federation.learning_rate", "model.architecture"])
    }

    func testImpossibleCombinationsAreRefused() {
        let found = issues(valid.replacingOccurrences(of: "clients_per_round: 4", with: "clients_per_round: 5"))
        XCTAssertEqual(found.map(\.keyPath), ["federation.clients_per_round"])
        let dirichlet = issues(valid.replacingOccurrences(of: "{ scheme: iid }", with: "{ scheme: dirichlet }"))
        XCTAssertEqual(dirichlet.map(\.keyPath), ["dataset.partition.alpha"])
    }

    func testPrivacySettingsWithoutTheirStageAreRefusedNotIgnored() {
        let seedConfig = valid + """

        privacy:
          differential_privacy: true
          epsilon: 1.0
          delta: 1e-5
          noise_multiplier: 1.1
          homomorphic_encryption: true
          encryption_scheme: CKKS
          key_length: 4096
        """
        let none = issues(seedConfig, capabilities: [])
        XCTAssertTrue(none.contains { $0.keyPath == "privacy.differential_privacy" && $0.message.contains("not yet supported") })
        XCTAssertTrue(none.contains { $0.keyPath == "privacy.homomorphic_encryption" && $0.message.contains("not yet supported") })
        XCTAssertEqual(issues(seedConfig, capabilities: .all), [], "the seed's keys parse as they are")
        let orphan = issues(valid + "\nprivacy:\n  epsilon: 3\n", capabilities: .all)
        XCTAssertEqual(orphan.map(\.keyPath), ["privacy.epsilon"])
        XCTAssertTrue(orphan[0].message.contains("differential_privacy"))
    }

    func testInvalidYAMLNamesTheLine() {
        let found = issues("name: t\nseed: [1,\n")
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?.keyPath, "(yaml)")
    }

    func testStagesMustMatchThePlan() {
        let found = issues(valid + "\nstages: [select_clients, aggregate, local_train, evaluate]\n")
        XCTAssertEqual(found.map(\.keyPath), ["stages"])
        XCTAssertEqual(issues(valid + "\nstages: [select_clients, local_train, aggregate, evaluate]\n"), [])
    }

    func testShippedManifestsValidate() throws {
        let dir = repositoryRoot.appendingPathComponent("manifests").path
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }
        XCTAssertFalse(files.isEmpty)
        for file in files {
            XCTAssertNoThrow(try ManifestReader().read(path: dir + "/" + file), file)
        }
    }

    /// The JSON Schema that ships for editors lists exactly the keys the reader accepts.
    func testJSONSchemaAgreesWithTheReader() throws {
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("manifests/manifest.schema.json"))
        let schema = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        func keys(_ path: [String]) -> Set<String> {
            var node = schema
            for p in path { node = (node["properties"] as! [String: Any])[p] as! [String: Any] }
            return Set((node["properties"] as! [String: Any]).keys)
        }
        XCTAssertEqual(keys([]), Set(ManifestReader.topKeys))
        XCTAssertEqual(keys(["dataset"]), Set(ManifestReader.datasetKeys))
        XCTAssertEqual(keys(["dataset", "partition"]), Set(ManifestReader.partitionKeys))
        XCTAssertEqual(keys(["model"]), Set(ManifestReader.modelKeys))
        XCTAssertEqual(keys(["federation"]), Set(ManifestReader.federationKeys))
        XCTAssertEqual(keys(["privacy"]), Set(ManifestReader.privacyKeys))
    }
}
