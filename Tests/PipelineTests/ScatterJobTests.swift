import Foundation
import XCTest
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// A `features: scatter` job end to end on a small MNIST slice: the features are a timed setup
/// stage, the linear head trains under DP-SGD with the EMA release, and every release is on the ledger.
final class ScatterJobTests: XCTestCase {
    func testScatterJobComputesFeaturesOnceAndRecordsEveryAveragedRelease() throws {
        let text = smallMNISTManifest(name: "scatter", seed: 7, clients: 2, trainExamples: 400, testExamples: 100,
                                      architecture: "linear\n  features: scatter", rounds: 2, clientsPerRound: 2,
                                      batchSize: 50, learningRate: 2,
                                      extra: "privacy:\n  differential_privacy: true\n  unit: example\n  epsilon: 3\n"
                                          + "  max_grad_norm: 0.1\n  ema_decay: 0.9")
        let (db, path) = try scratchJob(text, prefix: "scatter")
        let ready = try JobService.ready(path: path)
        XCTAssertEqual(ready.prepared.train.width, 81 * 7 * 7)
        XCTAssertEqual(ready.prepared.test.width, 81 * 7 * 7)
        let summary = try JobService(database: db).runNow(ready)
        XCTAssertEqual(summary.status, "succeeded")
        let setup = try db.stageRuns(jobId: summary.jobId).filter { $0.round == 0 }.map(\.stage)
        XCTAssertEqual(setup, ["load_data", "partition", "features", "init_model"])
        let rows = try db.ledger(jobId: summary.jobId)
        XCTAssertEqual(rows.count, 4, "2 clients × 2 rounds")
        XCTAssertTrue(rows.allSatisfy { $0.entry.decision == "released" && $0.entry.outputSha256 != nil })
        XCTAssertTrue(try db.verifyLedgerChain(jobId: summary.jobId).isIntact)
        let accuracy = try db.metrics(jobId: summary.jobId).last { $0.name == "accuracy" }!.value
        XCTAssertGreaterThan(accuracy, 0.3, "the head learns from 400 scattered digits")
    }

    /// The ScatterNet + CNN head (`architecture: cnn` on `features: scatter`) trains under DP-SGD
    /// on the same features; its gradients are checked against finite differences in
    /// GradientCheckTests.
    func testScatterCNNHeadTrainsOnTheFeatures() throws {
        let text = smallMNISTManifest(name: "scatter-cnn", seed: 7, clients: 1, trainExamples: 600, testExamples: 200,
                                      architecture: "cnn\n  activation: tanh\n  features: scatter", rounds: 3, clientsPerRound: 1,
                                      batchSize: 100, learningRate: 1,
                                      extra: "privacy:\n  differential_privacy: true\n  unit: example\n  epsilon: 50\n  max_grad_norm: 0.5")
        let (db, path) = try scratchJob(text, prefix: "scatter-cnn")
        let ready = try JobService.ready(path: path)
        XCTAssertEqual(ready.prepared.architecture, .scatterCNN(activation: .tanh))
        XCTAssertEqual(ready.prepared.train.width, 81 * 7 * 7)
        let summary = try JobService(database: db).runNow(ready)
        XCTAssertEqual(summary.status, "succeeded", summary.error ?? "")
        let accuracy = try db.metrics(jobId: summary.jobId).last { $0.name == "accuracy" }!.value
        XCTAssertGreaterThan(accuracy, 0.5, "the cnn head learns from 600 scattered digits")
    }
}
