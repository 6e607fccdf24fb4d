import Foundation
import XCTest
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// Each released ledger row carries the SHA-256 of the bytes released, so a re-executed round
/// that releases different bytes — other secrets, other code, a tampered noise stream — cannot be
/// passed off as the release already on the ledger (whose spend would then be counted once for
/// two different outputs).
final class ReleaseHashTests: XCTestCase {
    /// What left each party, hashed exactly as the ledger should record it.
    final class Released: @unchecked Sendable {
        var hashes: [String: String] = [:]  // "round/party" → SHA-256
    }

    /// Runs the real stage, then hashes what it released: the aggregate delta of the aggregator
    /// (DP-FedAvg) or the client's plain update delta (DP-SGD).
    struct Witness: RoundStage {
        let inner: RoundStage
        let released: Released
        var name: StageName { inner.name }
        var scope: StageScope { inner.scope }
        func plan(_ state: inout RoundState, job: PreparedJob) throws -> [StageMetric] { try inner.plan(&state, job: job) }
        func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
            let metrics = try inner.run(&state, client: client, job: job)
            if let client, case .plain(let delta) = state.outbox.last(where: { $0.client == client })?.payload {
                released.hashes["\(state.round)/client/\(client)"] = Digest.sha256Hex(floats: delta)
            } else if client == nil, let delta = state.aggregateDelta {
                released.hashes["\(state.round)/aggregator"] = Digest.sha256Hex(floats: delta)
            }
            return metrics
        }
    }

    func manifest(unit: String) -> String {
        smallMNISTManifest(name: "hash-\(unit)", seed: 5, clients: 4, trainExamples: 2000, testExamples: 300, rounds: 2,
                           clientsPerRound: 3, learningRate: 0.5,
                           extra: "privacy:\n  differential_privacy: true\n  unit: \(unit)\n  epsilon: 8\n  delta: 1e-5\n  max_grad_norm: 1.0")
    }

    func run(unit: String, watching stage: StageName) throws -> (db: ResultsDatabase, id: Int64, released: Released) {
        let released = Released()
        let (db, id) = try runWithJobRunner(manifest(unit: unit), prefix: "release-hash") { runner in
            runner.stageOverride = { stages in stages.map { $0.name == stage ? Witness(inner: $0, released: released) : $0 } }
        }
        return (db, id, released)
    }

    func assertEveryReleaseHashed(_ db: ResultsDatabase, _ id: Int64, _ released: Released, file: StaticString = #filePath,
                                  line: UInt = #line) throws {
        let rows = try db.ledger(jobId: id).filter { $0.entry.decision == "released" }
        XCTAssertFalse(rows.isEmpty, file: file, line: line)
        XCTAssertEqual(rows.count, released.hashes.count, file: file, line: line)
        for row in rows {
            let hash = row.entry.outputSha256 ?? ""
            XCTAssertTrue(hash.count == 64 && hash.allSatisfy { "0123456789abcdef".contains($0) }, "row \(row.id): \(hash)", file: file, line: line)
            XCTAssertEqual(hash, released.hashes["\(row.entry.round)/\(row.entry.party)"], "row \(row.id)", file: file, line: line)
        }
        XCTAssertEqual(try db.verifyLedgerChain(jobId: id), .intact(rows: rows.count), file: file, line: line)
    }

    func testDPFedAvgRowsHashTheReleasedAggregateDelta() throws {
        let (db, id, released) = try run(unit: "client", watching: .aggregate)
        try assertEveryReleaseHashed(db, id, released)
        // The release is the model's step: the next model is the old one plus exactly these bytes.
        let models = try db.artifacts(jobId: id).filter { $0.kind == "global_model" }
        XCTAssertEqual(models.count, 3)
    }

    func testDPSGDRowsHashEachClientsReleasedDelta() throws {
        let (db, id, released) = try run(unit: "example", watching: .localTrain)
        try assertEveryReleaseHashed(db, id, released)
    }

    /// The attack on the resume path: round 2 is re-executed (reproducibly, as after a crash) but
    /// releases other bytes than the recorded release; its ε, σ and q are the same, so before
    /// the output hash the runner's check passed it as "the same release made again".
    func testReexecutedReleaseOfOtherBytesIsRefused() throws {
        let (db, id, _) = try run(unit: "client", watching: .aggregate)
        let recorded = try db.ledger(jobId: id).last!
        let rounds = try db.engine.read { try String.fetchOne($0, sql: "SELECT selected_clients FROM rounds WHERE job_id = ? AND round = ?",
                                                             arguments: [id, recorded.entry.round]) }!
        let selected = try JSONDecoder().decode([Int].self, from: Data(rounds.utf8))
        func remake(_ entry: LedgerEntry) throws -> Int {
            try db.commitRelease(jobId: id, round: entry.round, selectedClients: selected, startedAt: Timestamp.now(), entries: [entry],
                                 reuseRecorded: true)
        }
        var forged = recorded.entry
        forged.outputSha256 = Digest.sha256Hex(floats: [0, 1, 2])
        XCTAssertThrowsError(try remake(forged)) { error in
            XCTAssertEqual(error as? ResultsStoreError, .releaseMismatch(jobId: id, round: recorded.entry.round, party: "aggregator"))
        }
        var unhashed = recorded.entry
        unhashed.outputSha256 = nil
        XCTAssertThrowsError(try remake(unhashed), "a re-made release must name its bytes too")
        XCTAssertEqual(try remake(recorded.entry), 1, "the same bytes again: verified, not appended")
        XCTAssertEqual(try db.ledger(jobId: id).count, 2)
    }

    /// Rows written before migration 0008 have no output hash: their canonical text, and so the
    /// chains they are in, are unchanged.
    func testRowsWithoutAnOutputHashKeepTheirCanonicalText() {
        let entry = LedgerEntry(round: 1, party: "aggregator", unit: "client", samplingRate: 0.75, noiseMultiplier: 1, steps: 1,
                                maxGradNorm: 1, delta: 1e-5, epsilonRound: 1, epsilonSpentRDP: 1, epsilonSpentPLD: 1, budgetEpsilon: 8,
                                decision: "released", accountant: "rdp", accountantVersion: "v")
        let old = entry.canonicalText(jobId: 1, createdAt: "t")
        XCTAssertFalse(old.contains("output_sha256"))
        XCTAssertTrue(old.hasSuffix("created_at=t"))
        var hashed = entry
        hashed.outputSha256 = String(repeating: "a", count: 64)
        XCTAssertEqual(hashed.canonicalText(jobId: 1, createdAt: "t"), old + "\noutput_sha256=" + String(repeating: "a", count: 64))
    }
}
