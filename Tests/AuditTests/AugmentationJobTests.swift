import Foundation
import XCTest
@testable import Audit
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// `privacy.augmentation_multiplicity` end to end on a small MNIST slice: the cnn trains on K
/// shifted copies per sampled example, the ledger records the same (q, σ) and ε as without it
/// (the clipped mean has the same sensitivity), and the audit re-executes the job bit for bit
/// from its escrowed secrets — the shifts come from the client's own stream.
final class AugmentationJobTests: XCTestCase {
    func manifest(multiplicity: Int?) -> String {
        smallMNISTManifest(name: "augmented", seed: 5, clients: 1, trainExamples: 400, testExamples: 100,
                           architecture: "cnn\n  activation: tanh", rounds: 2, clientsPerRound: 1, batchSize: 40, learningRate: 2,
                           extra: "privacy:\n  differential_privacy: true\n  unit: example\n  epsilon: 8\n  max_grad_norm: 0.5"
                               + (multiplicity.map { "\n  augmentation_multiplicity: \($0)" } ?? ""))
    }

    func testAnAugmentedJobSpendsWhatThePlainOneSpendsAndReproducesBitForBit() throws {
        let (db, path) = try scratchJob(manifest(multiplicity: 3), prefix: "augmented")
        let ready = try JobService.ready(path: path)
        XCTAssertEqual(ready.prepared.manifest.privacy.augmentationMultiplicity, 3)
        let summary = try JobService(database: db).runNow(ready)
        XCTAssertEqual(summary.status, "succeeded", summary.error ?? "")

        let (plainDb, plainPath) = try scratchJob(manifest(multiplicity: nil), prefix: "not-augmented")
        let plain = try JobService(database: plainDb).runNow(try JobService.ready(path: plainPath))
        XCTAssertEqual(plain.status, "succeeded", plain.error ?? "")
        let entries = try db.ledger(jobId: summary.jobId).map(\.entry), plainEntries = try plainDb.ledger(jobId: plain.jobId).map(\.entry)
        XCTAssertEqual(entries.map(\.noiseMultiplier), plainEntries.map(\.noiseMultiplier))
        XCTAssertEqual(entries.map(\.epsilonSpentRDP), plainEntries.map(\.epsilonSpentRDP))
        XCTAssertNotEqual(entries.map(\.outputSha256), plainEntries.map(\.outputSha256), "the copies changed what was released")

        let report = try JobAuditor(database: db).audit(jobId: summary.jobId, reproduce: true, baseDirectory: repositoryRoot.path)
        XCTAssertTrue(report.passed, "\(report.findings.filter { !$0.passed })")
        XCTAssertEqual(report.findings.first { $0.check == "reproduction" }?.passed, true)
    }

    func testAugmentationIsRefusedWhereItHasNoMeaning() throws {
        let cases: [(String, String)] = [
            (smallMNISTManifest(name: "a", seed: 1, clients: 1, trainExamples: 100, testExamples: 50, architecture: "linear\n  features: scatter",
                                rounds: 1, clientsPerRound: 1,
                                extra: "privacy:\n  differential_privacy: true\n  epsilon: 3\n  augmentation_multiplicity: 2"), "features: pixels"),
            (smallMNISTManifest(name: "b", seed: 1, clients: 1, trainExamples: 100, testExamples: 50, rounds: 1, clientsPerRound: 1,
                                extra: "privacy:\n  augmentation_multiplicity: 2"), "differential_privacy: true"),
            (smallMNISTManifest(name: "c", seed: 1, clients: 1, trainExamples: 100, testExamples: 50, rounds: 1, clientsPerRound: 1,
                                extra: "privacy:\n  differential_privacy: true\n  epsilon: 3\n  augmentation_multiplicity: 0"), "augmentation_multiplicity"),
        ]
        for (text, needle) in cases {
            let dir = try scratchDirectory(prefix: "augment-rules")
            let path = try writeManifest(text, in: dir)
            XCTAssertThrowsError(try JobService.ready(path: path)) { error in
                XCTAssertTrue("\(error)".contains("privacy.augmentation_multiplicity") && "\(error)".contains(needle), "\(error)")
            }
        }
    }
}
