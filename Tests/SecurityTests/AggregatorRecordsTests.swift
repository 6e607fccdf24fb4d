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

            // The clients kept them: each client that trained holds its training loss in its own
            // file (a Poisson cohort may leave a client out of every round).
            let local = JobService(database: db).localRecords
            let trained = (0..<8).filter { FileManager.default.fileExists(atPath: local.file(jobId: summary.jobId, owner: "client/\($0)")) }
            XCTAssertFalse(trained.isEmpty, "no client kept a local record")
            for k in trained {
                let kept = try local.records(jobId: summary.jobId, owner: "client/\(k)")
                XCTAssertTrue(kept.contains { $0.name == "train_loss" && $0.client == k }, "client \(k) kept no training loss")
                XCTAssertTrue(kept.allSatisfy { $0.client == k }, "client \(k)'s file holds another client's records")
                let mode = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: local.file(jobId: summary.jobId, owner: "client/\(k)"))[.posixPermissions] as? Int)
                XCTAssertEqual(mode & 0o077, 0, "a client's local record is readable by others")
            }
        }
    }

    /// Under client-level DP each client joins a round on its own coin, and the amplification the
    /// accountant credits holds only if the cohort stays unknown. The attack: read the rounds,
    /// stage runs and metrics of a DP + HE job and of a DP-FedAvg job for who took part. The
    /// records keep the cohort's size (`clients_selected`) and its totals, never a member.
    func testTheCohortOfAClientLevelDPJobIsNotRecorded() throws {
        let fedAvg = smallMNISTManifest(name: "dp-fedavg", seed: 7, clients: 8, trainExamples: 1200, testExamples: 300, rounds: 2,
                                        clientsPerRound: 6, extra: "privacy:\n  differential_privacy: true\n  unit: client\n  epsilon: 50\n  noise_multiplier: 0.5")
        for text in [PartySecretsSecurityTests.dpHE, fedAvg] {
            let (db, path) = try scratchJob(text, prefix: "cohort")
            let summary = try JobService(database: db).runNow(try JobService.ready(path: path))
            XCTAssertEqual(summary.status, "succeeded")
            XCTAssertEqual(try db.rounds(jobId: summary.jobId).filter { $0.round > 0 }.map(\.selectedClients), [[], []], path)
            XCTAssertEqual(try db.stageRuns(jobId: summary.jobId).compactMap(\.client), [], path)
            // (Round 0's per-client `samples` is the partition, public: the seed derives it.)
            XCTAssertEqual(try db.metrics(jobId: summary.jobId).filter { $0.round > 0 }.compactMap(\.client), [], path)
            let sizes = try db.metrics(jobId: summary.jobId).filter { $0.name == "clients_selected" }
            XCTAssertEqual(sizes.count, 2, "the cohort's size is what the aggregator keeps")
            let trained = try db.metrics(jobId: summary.jobId).filter { $0.stage == "local_train" && $0.name == "samples" }
            XCTAssertEqual(trained.count, 2, "one total per round")
        }
    }

    /// A plain FedAvg job promises no privacy: its records keep the clients' training losses.
    func testAJobWithoutPrivacySettingsStillRecordsTrainingLoss() throws {
        let text = smallMNISTManifest(name: "plain", seed: 7, clients: 3, trainExamples: 600, testExamples: 200, rounds: 1, clientsPerRound: 3)
        let (db, summary) = try runJobNow(text, prefix: "plain")
        XCTAssertEqual(try db.metrics(jobId: summary.jobId).filter { $0.name == "train_loss" }.count, 3)
    }
}
