import Foundation
import GRDB
import XCTest
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// End to end on a small slice of the real MNIST: 2,000 training and 500 test images.
final class JobRunnerTests: XCTestCase {
    /// 4 clients (3 per round), the mlp, batch size 32.
    func manifestText(name: String = "small", seed: Int = 7, rounds: Int = 2, extra: String = "") -> String {
        smallMNISTManifest(name: name, seed: seed, clients: 4, trainExamples: 2000, testExamples: 500,
                           rounds: rounds, clientsPerRound: 3, batchSize: 32, extra: extra)
    }

    func scratch() throws -> (dir: String, db: ResultsDatabase) {
        let dir = try scratchDirectory(prefix: "pipeline")
        return (dir, try scratchDatabase(in: dir))
    }

    func write(_ text: String, _ dir: String, _ name: String = "job.yaml") throws -> String {
        try writeManifest(text, in: dir, named: name)
    }

    func testJobRecordsEveryStageForEveryRoundAndClient() throws {
        let (dir, db) = try scratch()
        let summary = try JobService(database: db).runNow(try JobService.ready(path: try write(manifestText(), dir)))
        XCTAssertEqual(summary.status, "succeeded")
        // Chance is 0.1; under fresh roots two rounds on this slice land near 0.75, and 1 run in 25 fell below 0.7.
        XCTAssertGreaterThan(summary.accuracy ?? 0, 0.5)
        let runs = try db.stageRuns(jobId: summary.jobId)
        let counts = Dictionary(grouping: runs, by: \.stage).mapValues(\.count)
        XCTAssertEqual(counts, ["load_data": 1, "partition": 1, "init_model": 1, "select_clients": 2, "local_train": 6,
                                "aggregate": 2, "evaluate": 2])
        let metrics = try db.metrics(jobId: summary.jobId)
        XCTAssertEqual(metrics.filter { $0.name == "accuracy" }.count, 2)
        XCTAssertEqual(metrics.filter { $0.name == "bytes_sent" && $0.stage == "local_train" }.count, 6)
        // The encoded update: frame (16), client, round, sample count, payload tag (18), value count (8), floats.
        let mlpBytes = Double((784 * 128 + 128 + 128 * 10 + 10) * 4 + 16 + 18 + 8)
        XCTAssertTrue(metrics.filter { $0.name == "bytes_sent" }.allSatisfy { $0.value == mlpBytes })
        XCTAssertEqual(try db.artifacts(jobId: summary.jobId).map(\.round), [0, 1, 2])
        let job = try db.job(id: summary.jobId)
        XCTAssertEqual(job.status, .succeeded)
        XCTAssertEqual(job.roundsCompleted, 2)
        XCTAssertEqual(job.manifestSha256, Digest.sha256Hex(job.manifestText))
    }

    func testSameManifestAndSecretsGiveTheSameModelBytes() throws {
        let (dir, db) = try scratch()
        let path = try write(manifestText(rounds: 1), dir)
        let a = try JobService(database: db).runNow(try JobService.ready(path: path))
        let b = try JobService(database: db).runNow(try JobService.ready(path: path, secretsFile: try db.secretsPath(jobId: a.jobId)))
        XCTAssertEqual(a.modelSha256, b.modelSha256, "the same manifest with the same secrets")
        XCTAssertEqual(try db.artifacts(jobId: a.jobId).map(\.sha256), try db.artifacts(jobId: b.jobId).map(\.sha256))
        let other = try JobService(database: db).runNow(try JobService.ready(path: try write(manifestText(seed: 8, rounds: 1), dir, "b.yaml")))
        XCTAssertNotEqual(a.modelSha256, other.modelSha256)
    }

    func testResultsDoNotDependOnThreadCount() throws {
        let (dir, db) = try scratch()
        let one = try JobService(database: db).runNow(try JobService.ready(path: try write(manifestText(rounds: 1, extra: "threads: 1"), dir, "1.yaml")))
        let two = try JobService(database: db).runNow(try JobService.ready(path: try write(manifestText(rounds: 1, extra: "threads: 2"), dir, "2.yaml"),
                                                                           secretsFile: try db.secretsPath(jobId: one.jobId)))
        XCTAssertEqual(one.modelSha256, two.modelSha256)
    }

    /// A stage that fails ends the job as failed, with the error and the failing stage run written
    /// together, and the completed rounds left intact.
    func testFailingStageRecordsTheJobAsFailedAndWritesNothingHalfway() throws {
        struct Broken: RoundStage {
            let name = StageName.aggregate
            let scope = StageScope.aggregator
            func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
                throw PipelineError.stage("aggregate", "disk on fire")
            }
        }
        let (dir, db) = try scratch()
        let started = try StartedJob(path: try write(manifestText(rounds: 2), dir), database: db)
        let id = started.id
        started.runner.stageOverride = { stages in stages.map { $0.name == .aggregate ? Broken() : $0 } }
        XCTAssertThrowsError(try started.execute())
        let job = try db.job(id: id)
        XCTAssertEqual(job.status, .failed)
        XCTAssertTrue(job.error?.contains("disk on fire") ?? false)
        XCTAssertEqual(job.roundsCompleted, 0)
        let failed = try db.stageRuns(jobId: id).filter { !$0.succeeded }
        XCTAssertEqual(failed.map(\.stage), ["aggregate"])
        XCTAssertEqual(try db.artifacts(jobId: id).map(\.round), [0], "no model recorded for the failed round")
    }

    func testSubmittedJobsRunInOrderAndBadOnesFailWithTheirReason() throws {
        let (dir, db) = try scratch()
        let service = JobService(database: db)
        let first = try service.submit(path: try write(manifestText(name: "first", rounds: 1), dir, "a.yaml"))
        let second = try service.submit(path: try write(manifestText(name: "second", rounds: 1).replacingOccurrences(of: repositoryMNIST, with: dir + "/nowhere"), dir, "b.yaml"))
        XCTAssertEqual(try db.job(id: first).status, .queued)
        let a = try service.workOnce(worker: "w")
        XCTAssertEqual(a?.jobId, first)
        XCTAssertEqual(a?.status, "succeeded")
        let b = try service.workOnce(worker: "w")
        XCTAssertEqual(b?.jobId, second)
        XCTAssertEqual(try db.job(id: second).status, .failed)
        XCTAssertTrue(try db.job(id: second).error?.contains("nowhere") ?? false)
        XCTAssertNil(try service.workOnce(worker: "w"))
    }

    func testInvalidManifestIsRefusedBeforeAnyJobIsRecorded() throws {
        let (dir, db) = try scratch()
        let path = try write(manifestText().replacingOccurrences(of: "rounds: 2", with: "rounds: two"), dir)
        XCTAssertThrowsError(try JobService.ready(path: path)) { error in
            XCTAssertTrue("\(error)".contains("federation.rounds"), "\(error)")
        }
        XCTAssertThrowsError(try JobService(database: db).submit(path: path))
        XCTAssertEqual(try db.jobs().count, 0)
    }
}
