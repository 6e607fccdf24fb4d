import Foundation
import Pipeline
import ResultsStore
import TestSupport
import XCTest

/// What the aggregator records is what it may see: under any privacy setting, a client's loss,
/// update norm and realised batch sizes are statistics of its private data that were never
/// released under DP, so they stay in the client's own local record. The attack: read the
/// aggregator's whole metrics table (what `privfed query` and `GET /api/jobs/{id}` serve) for a
/// DP + HE job, a secagg job and a DP-SGD job, and look for any of them.
final class AggregatorRecordsTests: XCTestCase {
    static let privateToClients: Set<String> = ["train_loss", "update_norm", "mean_batch_size"]

    func testNoPerClientStatisticOfPrivateDataReachesTheAggregatorsDatabase() throws {
        for text in [PartySecretsSecurityTests.dpHE, PartySecretsSecurityTests.secagg, PartySecretsSecurityTests.dpSGD] {
            let (db, path) = try scratchJob(text, prefix: "records")
            let summary = try JobService(database: db).runNow(try JobService.ready(path: path))
            XCTAssertEqual(summary.status, "succeeded")
            let leaked = try db.metrics(jobId: summary.jobId).filter { Self.privateToClients.contains($0.name) || $0.name == "he_max_abs_error" }
            XCTAssertEqual(leaked.map { "\($0.name) of client \($0.client.map(String.init) ?? "-")" }, [], path)

            // The clients kept them: each selected client's own file holds its training loss.
            let local = JobService(database: db).localRecords
            let kept = try local.records(jobId: summary.jobId, owner: "client/0")
            XCTAssertTrue(kept.contains { $0.name == "train_loss" && $0.client == 0 }, "client 0 kept no training loss")
            XCTAssertTrue(kept.allSatisfy { $0.client == 0 }, "client 0's file holds another client's records")
            let mode = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: local.file(jobId: summary.jobId, owner: "client/0"))[.posixPermissions] as? Int)
            XCTAssertEqual(mode & 0o077, 0, "a client's local record is readable by others")
        }
    }

    /// A plain FedAvg job promises no privacy: its records keep the clients' training losses.
    func testAJobWithoutPrivacySettingsStillRecordsTrainingLoss() throws {
        let text = smallMNISTManifest(name: "plain", seed: 7, clients: 3, trainExamples: 600, testExamples: 200, rounds: 1, clientsPerRound: 3)
        let (db, summary) = try runJobNow(text, prefix: "plain")
        XCTAssertEqual(try db.metrics(jobId: summary.jobId).filter { $0.name == "train_loss" }.count, 3)
    }
}
