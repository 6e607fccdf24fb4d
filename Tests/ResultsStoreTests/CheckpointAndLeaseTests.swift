import Foundation
import GRDB
import XCTest
@testable import ResultsStore
import TestSupport

/// The store's side of crash safety: checkpoints, the recorded partition, leases with takeover
/// and fencing, and releases re-made after a crash being verified instead of appended.
final class CheckpointAndLeaseTests: XCTestCase {
    func newJob(_ db: ResultsDatabase, name: String = "j") throws -> Int64 {
        try db.insertJob(JobRecord(name: name, manifestPath: "m.yaml", manifestText: "name: \(name)", seed: 1, randomness: "reproducible",
                                   codeVersion: "test", status: .queued, roundsPlanned: 3))
    }

    func round(_ r: Int, model: [Float]) -> RoundRecordBatch {
        var batch = RoundRecordBatch(round: r, selectedClients: [0], startedAt: Timestamp.now(), finishedAt: Timestamp.now())
        batch.artifacts = [ArtifactRecord(round: r, kind: "global_model", sha256: Digest.sha256Hex(floats: model), bytes: model.count * 4)]
        return batch
    }

    func entry(round: Int, party: String, epsilon: Double = 0.5) -> LedgerEntry {
        LedgerEntry(round: round, party: party, unit: "example", samplingRate: 0.1, noiseMultiplier: 1.1, steps: 7, maxGradNorm: 1,
                    delta: 1e-5, epsilonRound: epsilon, epsilonSpentRDP: epsilon, epsilonSpentPLD: epsilon, budgetEpsilon: 3,
                    decision: "released", accountant: "rdp", accountantVersion: "test")
    }

    func testCheckpointStoresTheModelAsLittleEndianFloat32AndKeepsOnlyTheLatest() throws {
        let db = try scratchDatabase(in: try scratchDirectory(prefix: "tests"))
        let id = try newJob(db)
        // Values whose bit patterns a lossy codec would change: -0, a subnormal, infinity, a NaN payload.
        let first: [Float] = [1.5, -0.0, Float(bitPattern: 1), .infinity, Float(bitPattern: 0x7fc0_1234), -3.25e-7]
        let second = first.map { $0 * 2 }
        for (r, model) in [(1, first), (2, second)] {
            try db.commitRound(jobId: id, round(r, model: model)) { database in
                try ResultsDatabase.writeCheckpoint(JobCheckpoint(round: r, learningRate: 0.1 * Double(r), parameters: model), jobId: id, db: database)
            }
        }
        let rows = try db.engine.read { try SQLRow.fetchAll($0, sql: "SELECT round, model FROM checkpoints WHERE job_id = ?", arguments: [id]) }
        XCTAssertEqual(rows.count, 1)
        // Independent encoding: each value's IEEE bits, least significant byte first.
        let expected = second.flatMap { v -> [UInt8] in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }
        XCTAssertEqual(Array(rows[0]["model"] as Data), expected)
        let stored = try XCTUnwrap(try db.checkpoint(jobId: id))
        XCTAssertEqual(stored.round, 2)
        XCTAssertEqual(stored.learningRate, 0.2)
        XCTAssertEqual(stored.parameters.map(\.bitPattern), second.map(\.bitPattern))
        XCTAssertEqual(Digest.sha256Hex(expected), try db.artifacts(jobId: id)[1].sha256, "the round's model hash covers exactly the stored bytes")
    }

    func testCheckpointWhoseModelDoesNotMatchTheRecordedHashIsRefused() throws {
        let db = try scratchDatabase(in: try scratchDirectory(prefix: "tests"))
        let id = try newJob(db)
        let model: [Float] = [1, 2, 3]
        try db.commitRound(jobId: id, round(1, model: model)) { database in
            try ResultsDatabase.writeCheckpoint(JobCheckpoint(round: 1, learningRate: 0.1, parameters: model), jobId: id, db: database)
        }
        try db.engine.write { try $0.execute(sql: "UPDATE checkpoints SET model = ? WHERE job_id = ?", arguments: [Data(repeating: 0, count: 12), id]) }
        XCTAssertThrowsError(try db.checkpoint(jobId: id)) { error in
            guard case ResultsStoreError.corruptCheckpoint(_, let round, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(round, 1)
        }
    }

    func testPartitionIsRecordedShardByShardInOrder() throws {
        let db = try scratchDatabase(in: try scratchDirectory(prefix: "tests"))
        let id = try newJob(db)
        let shards = [[5, 3, 70_000], [], [0, 1]]
        try db.engine.write { try ResultsDatabase.writePartition(shards, jobId: id, db: $0) }
        XCTAssertEqual(try db.partition(jobId: id), shards)
        XCTAssertNil(try db.partition(jobId: id + 1))
    }

    func testInterruptedJobIsTakenBeforeOlderQueuedJobs() throws {
        let db = try scratchDatabase(in: try scratchDirectory(prefix: "tests"))
        let older = try newJob(db, name: "older"), interrupted = try newJob(db, name: "interrupted")
        _ = try db.claimJob(id: interrupted, worker: "dead", leaseSeconds: -1) // its lease has already expired
        let claim = try XCTUnwrap(try db.claimNext(worker: "w"))
        XCTAssertEqual(claim.job.id, interrupted)
        XCTAssertTrue(claim.interrupted)
        XCTAssertEqual(claim.previousWorker, "dead")
        XCTAssertEqual(try db.claimNext(worker: "w2")?.job.id, older)
        XCTAssertNil(try db.claimNext(worker: "w3"), "both jobs hold live leases")
    }

    func testLiveLeaseIsRefusedUnlessForcedAndFinishedJobsAreRefused() throws {
        let db = try scratchDatabase(in: try scratchDirectory(prefix: "tests"))
        let id = try newJob(db)
        _ = try db.claimJob(id: id, worker: "a")
        XCTAssertThrowsError(try db.claimJob(id: id, worker: "b")) { error in
            guard case ResultsStoreError.leaseHeld(_, let holder, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(holder, "a")
        }
        let forced = try db.claimJob(id: id, worker: "b", force: true)
        XCTAssertTrue(forced.forced)
        XCTAssertEqual(try db.job(id: id).worker, "b")
        try db.finishJob(id: id, status: .succeeded, heldBy: "b")
        XCTAssertThrowsError(try db.claimJob(id: id, worker: "c", force: true)) { error in
            XCTAssertEqual(error as? ResultsStoreError, .jobFinished(jobId: id, status: "succeeded"))
        }
    }

    func testWorkerThatWasTakenOverWritesNothing() throws {
        let db = try scratchDatabase(in: try scratchDirectory(prefix: "tests"))
        let id = try newJob(db)
        _ = try db.claimJob(id: id, worker: "slow", leaseSeconds: -1)
        _ = try XCTUnwrap(try db.claimNext(worker: "new"))
        func isLeaseLost(_ error: Error) { guard case ResultsStoreError.leaseLost = error else { return XCTFail("\(error)") } }
        XCTAssertThrowsError(try db.commitRound(jobId: id, round(1, model: [1]), heldBy: "slow"), "", isLeaseLost)
        XCTAssertThrowsError(try db.commitRelease(jobId: id, round: 1, selectedClients: [0], startedAt: Timestamp.now(),
                                                  entries: [entry(round: 1, party: "client/0")], heldBy: "slow"), "", isLeaseLost)
        XCTAssertThrowsError(try db.renewLease(jobId: id, worker: "slow"), "", isLeaseLost)
        XCTAssertThrowsError(try db.finishJob(id: id, status: .failed, error: "x", heldBy: "slow"), "", isLeaseLost)
        let counts = try db.engine.read { db in
            try ["rounds", "artifacts", "privacy_ledger"].map { try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)")! }
        }
        XCTAssertEqual(counts, [0, 0, 0])
        XCTAssertEqual(try db.job(id: id).status, .running)
        XCTAssertNoThrow(try db.commitRound(jobId: id, round(1, model: [1]), heldBy: "new"))
    }

    func testReleaseMadeAgainIsVerifiedNotAppendedAndADifferentOneIsRefused() throws {
        let db = try scratchDatabase(in: try scratchDirectory(prefix: "tests"))
        let id = try newJob(db)
        func release(_ entries: [LedgerEntry], reuse: Bool) throws -> Int {
            try db.commitRelease(jobId: id, round: 2, selectedClients: [0, 1], startedAt: Timestamp.now(), entries: entries, reuseRecorded: reuse)
        }
        XCTAssertEqual(try release([entry(round: 2, party: "client/0")], reuse: true), 0)
        // Re-executed: client 0's release again (already recorded) and client 1's (new).
        XCTAssertEqual(try release([entry(round: 2, party: "client/0"), entry(round: 2, party: "client/1")], reuse: true), 1)
        XCTAssertEqual(try db.ledger(jobId: id).map(\.entry.party), ["client/0", "client/1"])
        XCTAssertThrowsError(try release([entry(round: 2, party: "client/1", epsilon: 0.6)], reuse: true)) { error in
            XCTAssertEqual(error as? ResultsStoreError, .releaseMismatch(jobId: id, round: 2, party: "client/1"))
        }
        // Secure mode: a fresh release is a new spend.
        XCTAssertEqual(try release([entry(round: 2, party: "client/0", epsilon: 0.6)], reuse: false), 0)
        XCTAssertEqual(try db.ledger(jobId: id).count, 3)
        XCTAssertEqual(try db.verifyLedgerChain(jobId: id), .intact(rows: 3))
    }
}
