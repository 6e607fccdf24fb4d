import Foundation
import GRDB
import XCTest
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// Crash safety end to end: a `privfed worker` process is killed with SIGKILL at a named point
/// (`PRIVFED_FAULT_INJECT`) — before a stage, inside a write before its COMMIT, between a privacy
/// release and the round's commit, between rounds — and `privfed resume` (or another worker)
/// finishes the job. The result is compared with an uninterrupted run of the same manifest in its
/// own database: the same model of every round, the same metrics and stage runs (none
/// duplicated), the same ledger rows (none appended twice), an intact hash chain.
final class ResumeTests: XCTestCase {
    /// mlp on 900 training and 300 test images, 3 clients (2 per round), 3 rounds: ~1 s per process.
    func manifest(name: String, privacy: String = "") -> String {
        smallMNISTManifest(name: name, seed: 31, clients: 3, trainExamples: 900, testExamples: 300,
                           rounds: 3, clientsPerRound: 2, learningRateDecay: 0.9, extra: privacy)
    }

    static let dpPrivacy = """
    privacy:
      differential_privacy: true
      unit: example
      epsilon: 30
      noise_multiplier: 1.1
    """

    /// The secrets file of the last `reference` run: the crashed jobs replay it, so that they can
    /// be compared with the reference bit for bit.
    var referenceSecrets: String?

    /// A fresh directory with the manifest and an empty database; the manifest submitted as job 1
    /// (with the reference's secrets when there is a reference).
    func submitted(_ text: String) throws -> (privfed: PrivfedProcess, db: String) {
        let (_, path) = try scratchJob(text, prefix: "resume")
        let dbPath = (path as NSString).deletingLastPathComponent + "/r.sqlite"
        let privfed = try PrivfedProcess(database: dbPath)
        let submit = try privfed.run(["submit", path] + (referenceSecrets.map { ["--secrets", $0] } ?? []))
        XCTAssertEqual(submit.status, 0, submit.stderr)
        return (privfed, dbPath)
    }

    func open(_ path: String) throws -> ResultsDatabase {
        try ResultsDatabase(path: path)
    }

    /// The JSON summary printed by `privfed resume --json` (pretty) or `privfed worker --json` (one line).
    func summary(_ outcome: PrivfedProcess.Outcome) throws -> JobSummary {
        if let whole = try? JSONDecoder().decode(JobSummary.self, from: Data(outcome.stdout.utf8)) { return whole }
        let line = try XCTUnwrap(outcome.stdout.split(separator: "\n").first { $0.hasPrefix("{") }, outcome.stdout + outcome.stderr)
        return try JSONDecoder().decode(JobSummary.self, from: Data(line.utf8))
    }

    /// The uninterrupted run of `text`.
    func reference(_ text: String) throws -> RecordedJob {
        referenceSecrets = nil
        let (privfed, db) = try submitted(text)
        let outcome = try privfed.run(["worker", "--once", "--json"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        referenceSecrets = try open(db).secretsPath(jobId: 1)
        return try RecordedJob(try open(db), jobId: 1)
    }

    /// Kills a worker at `fault`, resumes with `privfed resume 1 --force`, and compares with `expected`.
    func crashAndResume(_ text: String, fault: String, expected: RecordedJob, file: StaticString = #filePath, line: UInt = #line) throws -> ResultsDatabase {
        let (privfed, dbPath) = try submitted(text)
        let crashed = try privfed.run(["worker", "--once", "--json"], fault: fault)
        XCTAssertTrue(crashed.killed, "\(fault): the worker was not killed (status \(crashed.status)): \(crashed.stderr)", file: file, line: line)
        let db = try open(dbPath)
        XCTAssertEqual(try db.job(id: 1).status, .running, fault, file: file, line: line)
        XCTAssertEqual(try RecordedJob.duplicates(db, jobId: 1), [], fault, file: file, line: line)
        XCTAssertTrue(try db.verifyLedgerChain(jobId: 1).isIntact, fault, file: file, line: line)

        let resumed = try privfed.run(["resume", "1", "--force", "--json"])
        XCTAssertEqual(resumed.status, 0, "\(fault): \(resumed.stderr)", file: file, line: line)
        XCTAssertEqual(try summary(resumed).modelSha256, expected.artifacts.last?.sha256, fault, file: file, line: line)
        let recorded = try RecordedJob(db, jobId: 1)
        XCTAssertEqual(recorded.status, "succeeded", fault, file: file, line: line)
        XCTAssertEqual(recorded.artifacts, expected.artifacts, "\(fault): every round's model", file: file, line: line)
        XCTAssertEqual(recorded.metrics, expected.metrics, "\(fault): metrics", file: file, line: line)
        XCTAssertEqual(recorded.stageRunKeys, expected.stageRunKeys, "\(fault): stage runs", file: file, line: line)
        XCTAssertEqual(recorded.ledger, expected.ledger, "\(fault): ledger rows", file: file, line: line)
        XCTAssertEqual(try RecordedJob.duplicates(db, jobId: 1), [], fault, file: file, line: line)
        XCTAssertEqual(try db.verifyLedgerChain(jobId: 1), .intact(rows: expected.ledger.count), fault, file: file, line: line)
        return db
    }

    func testPlainJobKilledAnywhereResumesToTheUninterruptedModel() throws {
        let text = manifest(name: "plain")
        let expected = try reference(text)
        XCTAssertEqual(expected.artifacts.map(\.round), [0, 1, 2, 3])
        for fault in ["round:0:in-commit", "round:1:after-commit", "round:2:stage:evaluate", "round:2:in-commit", "round:3:after-commit"] {
            let db = try crashAndResume(text, fault: fault, expected: expected)
            let resumptions = try db.resumptions(jobId: 1)
            // Killed inside round 0's commit, nothing was recorded: the job starts afresh, no checkpoint.
            XCTAssertEqual(resumptions.map(\.checkpointRound), fault == "round:0:in-commit" ? [] : [Int(fault.split(separator: ":")[1])! - (fault.hasSuffix("after-commit") ? 0 : 1)], fault)
        }
    }

    func testDPJobResumedAfterItsReleaseCountsEverySpendOnceAndPassesTheAudit() throws {
        let text = manifest(name: "dp", privacy: Self.dpPrivacy)
        let expected = try reference(text)
        XCTAssertEqual(expected.ledger.count, 6, "2 clients × 3 rounds")
        for fault in ["round:2:in-release", "round:2:after-release", "round:2:stage:aggregate", "round:3:in-commit"] {
            let db = try crashAndResume(text, fault: fault, expected: expected)
            let resumption = try XCTUnwrap(try db.resumptions(jobId: 1).first, fault)
            // in-release rolled back; after-release left the first client's row; before aggregate both rows.
            let interrupted = ["round:2:in-release": 0, "round:2:after-release": 1, "round:2:stage:aggregate": 2, "round:3:in-commit": 2][fault]
            XCTAssertEqual(resumption.interruptedReleases, interrupted, fault)
            if fault == "round:2:after-release" {
                let audit = try PrivfedProcess(database: db.path).run(["audit", "1", "--reproduce", "--json"])
                XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
            }
        }
    }

    /// Adaptive clipping's clip is state carried from round to round: a job killed after round 1's
    /// commit (or inside round 2's) resumes with the clip round 1 released (`next_clip_norm`), so
    /// every later round clips, noises and records exactly as the uninterrupted run.
    func testAdaptiveClippingJobResumesWithTheReleasedClip() throws {
        let text = smallMNISTManifest(name: "adaptive", seed: 31, clients: 10, trainExamples: 900, testExamples: 300,
                                      rounds: 3, clientsPerRound: 5, extra: """
        privacy:
          differential_privacy: true
          unit: client
          epsilon: 1000
          noise_multiplier: 0.5
          max_grad_norm: 0.05
          adaptive_clipping: { learning_rate: 0.5, count_stddev: 1 }
        """)
        let expected = try reference(text)
        let clips = expected.ledger.map(\.maxGradNorm)
        XCTAssertEqual(clips.count, 3)
        XCTAssertEqual(Set(clips).count, 3, "the clip moves every round: \(clips)")
        for fault in ["round:1:after-commit", "round:2:stage:aggregate", "round:3:in-commit"] {
            let db = try crashAndResume(text, fault: fault, expected: expected)
            let audit = try PrivfedProcess(database: db.path).run(["audit", "1", "--json"])
            XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        }
    }

    /// The canary commitment is written in the set-up transaction: a worker killed right after it
    /// leaves a job that resumes with its commitment, reveals it at the end, and passes the audit.
    func testCanaryJobKilledAfterSetUpKeepsItsCommitmentAndPassesTheAudit() throws {
        let text = manifest(name: "canaries") + "\naudit: { canaries: 40 }"
        let expected = try reference(text)
        let db = try crashAndResume(text, fault: "round:0:after-commit", expected: expected)
        let record = try XCTUnwrap(try db.canaryAudit(jobId: 1))
        XCTAssertEqual(record.canaries, 40)
        XCTAssertNotNil(record.reveal, "the commitment was opened after the last round")
        let audit = try PrivfedProcess(database: db.path).run(["audit", "1", "--json"])
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        XCTAssertTrue(audit.stdout.contains("empirical_privacy"), audit.stdout)
        let verdict = try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(verdict?["passed"] as? Bool, true, "`audit --json` states the verdict for scripts")
    }

    func testResumeRefusesALiveLeaseAndFinishedJobsAndAWorkerTakesOverAnExpiredLease() throws {
        let text = manifest(name: "lease")
        let expected = try reference(text)

        // The killed worker was a process of this host: its 600 s lease is taken over at once.
        let (privfed, dbPath) = try submitted(text)
        XCTAssertTrue(try privfed.run(["worker", "--once", "--lease", "600"], fault: "round:2:after-commit").killed)
        let resumed = try privfed.run(["resume", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let finished = try privfed.run(["resume", "1"])
        XCTAssertEqual(finished.status, 1)
        XCTAssertTrue(finished.stderr.contains("has finished (succeeded)"), finished.stderr)
        XCTAssertEqual(try RecordedJob(try open(dbPath), jobId: 1), expected)

        // A live holder (this test process) keeps its lease unless --force.
        let (held, heldDb) = try submitted(text)
        _ = try open(heldDb).claimJob(id: 1, worker: JobRunner.defaultWorkerName(), leaseSeconds: 600)
        let refused = try held.run(["resume", "1"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("lease is live"), refused.stderr)
        let forced = try held.run(["resume", "1", "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(forced.stderr.contains("warning: taking job 1"), forced.stderr)
        XCTAssertEqual(try RecordedJob(try open(heldDb), jobId: 1), expected)

        // A worker with a 1 s lease dies; once the lease has expired another worker continues the job.
        let (second, secondDb) = try submitted(text)
        XCTAssertTrue(try second.run(["worker", "--once", "--lease", "1"], fault: "round:1:stage:aggregate").killed)
        Thread.sleep(forTimeInterval: 1.5)
        let takeover = try second.run(["worker", "--once", "--json"])
        XCTAssertEqual(takeover.status, 0, takeover.stderr)
        XCTAssertEqual(try summary(takeover).modelSha256, expected.artifacts.last?.sha256)
        let resumption = try XCTUnwrap(try open(secondDb).resumptions(jobId: 1).first)
        XCTAssertEqual(resumption.checkpointRound, 0)
        XCTAssertFalse(resumption.forced)
        XCTAssertEqual(try RecordedJob(try open(secondDb), jobId: 1), expected)
    }

    /// A homomorphic-encryption job resumed inside a key epoch re-derives the epoch's collective
    /// key from its streams (checked against `he_keys`), and the next epoch's key is made as usual.
    func testHEJobResumedMidEpochRederivesItsKeyAndEndsBitForBit() throws {
        let text = manifest(name: "he", privacy: """
        privacy:
          homomorphic_encryption: true
          encryption_scheme: BFV
          key_length: 4096
          rotate_keys_every: 2
        """)
        let expected = try reference(text)
        let db = try crashAndResume(text, fault: "round:2:stage:decrypt", expected: expected)
        XCTAssertEqual(try db.heKeys(jobId: 1).map(\.epoch), [0, 1], "epoch 0 (rounds 1–2) once, epoch 1 (round 3)")
        XCTAssertEqual(try db.resumptions(jobId: 1).map(\.heKeyID), [nil], "reproducible mode re-derives the key")
    }

    /// Secure mode cannot replay the interrupted round: its release stays spent, the fresh one is
    /// a new spend, and the audit's ledger checks accept exactly that (the rule in docs/deployment.md).
    func testSecureModeKeepsTheInterruptedReleaseSpentAndRecordsTheFreshOne() throws {
        let text = manifest(name: "secure", privacy: Self.dpPrivacy).replacingOccurrences(of: "seed: 31\n", with: "seed: 31\nrandomness: secure\n")
        let (privfed, dbPath) = try submitted(text)
        XCTAssertTrue(try privfed.run(["worker", "--once"], fault: "round:2:after-release").killed)
        let before = try open(dbPath).ledger(jobId: 1)
        XCTAssertEqual(before.map(\.entry.round), [1, 1, 2], "round 1's two releases and round 2's first")
        let resumed = try privfed.run(["resume", "1", "--force"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let db = try open(dbPath)
        let rows = try db.ledger(jobId: 1)
        XCTAssertEqual(Array(rows.prefix(3)), before, "recorded rows are kept as they were")
        XCTAssertEqual(rows.map(\.entry.round), [1, 1, 2, 2, 2, 3, 3], "the interrupted release stays and round 2 releases afresh")
        // Every release is counted on top of the party's earlier ones, the interrupted one included.
        for party in Set(rows.map(\.entry.party)) {
            let spent = rows.filter { $0.entry.party == party }.map(\.entry.epsilonSpentRDP)
            XCTAssertEqual(spent, spent.sorted(), party)
            XCTAssertEqual(Set(spent).count, spent.count, party)
        }
        XCTAssertEqual(try db.verifyLedgerChain(jobId: 1), .intact(rows: 7))
        XCTAssertEqual(try db.resumptions(jobId: 1).map(\.interruptedReleases), [1])
        let audit = try privfed.run(["audit", "1", "--json"])
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        XCTAssertTrue(audit.stdout.contains("re-executed in secure mode"), audit.stdout)
    }

    /// Secure mode never stores secret-key shares, so a job resumed inside a key epoch cannot
    /// re-derive that epoch's key: the clients make a fresh collective key, named in the
    /// resumption (not appended to `he_keys`, whose epoch 0 row keeps the key the interrupted
    /// round used). The rounds after the resume still decrypt to plaintext FedAvg, and the audit passes.
    func testSecureModeHEJobResumedMidEpochMakesAFreshKeyAndStillDecryptsExactly() throws {
        let text = manifest(name: "he-secure", privacy: """
        privacy:
          homomorphic_encryption: true
          encryption_scheme: BFV
          key_length: 4096
          rotate_keys_every: 2
        """).replacingOccurrences(of: "seed: 31\n", with: "seed: 31\nrandomness: secure\n")
        let (privfed, dbPath) = try submitted(text)
        XCTAssertTrue(try privfed.run(["worker", "--once"], fault: "round:2:stage:decrypt").killed)
        let resumed = try privfed.run(["resume", "1", "--force", "--json"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let db = try open(dbPath)
        XCTAssertEqual(try db.job(id: 1).status, .succeeded)
        let keys = try db.heKeys(jobId: 1)
        XCTAssertEqual(keys.map(\.epoch), [0, 1], "epoch 0 (rounds 1–2) as first made, epoch 1 (round 3)")
        let fresh = try XCTUnwrap(try db.resumptions(jobId: 1).first?.heKeyID, "secure mode names the fresh key it made")
        XCTAssertFalse(keys.map(\.keyID).contains(fresh), "the fresh key is not the one the interrupted round used")
        // Every round's decrypted average equals plaintext FedAvg of the same updates up to the
        // fixed-point step 2^−p, round 2 — re-run under the fresh key — included.
        let metrics = try metricsWithSimulatorRecords(db, jobId: 1)
        let precision = try XCTUnwrap(metrics.first { $0.name == "he_precision_bits" }?.value)
        let errors = metrics.filter { $0.name == "he_max_abs_error" }
        XCTAssertEqual(Set(errors.map(\.round)), [1, 2, 3])
        XCTAssertTrue(errors.allSatisfy { $0.value <= pow(2, -precision) }, "\(errors.map(\.value)) against 2^-\(precision)")
        XCTAssertEqual(try RecordedJob.duplicates(db, jobId: 1), [])
        let audit = try privfed.run(["audit", "1", "--json"])
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
    }

    func testTwoWorkerProcessesNeverRunTheSameJob() throws {
        let (privfed, dbPath) = try submitted(manifest(name: "q1"))
        let dir = (dbPath as NSString).deletingLastPathComponent
        for i in 2...4 {
            let path = dir + "/q\(i).yaml"
            try manifest(name: "q\(i)").write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertEqual(try privfed.run(["submit", path]).status, 0)
        }
        let workers = try (0..<2).map { _ in try privfed.start(["worker", "--exit-when-idle", "--json", "--poll", "0.1"]) }
        let outcomes = workers.map(privfed.wait)
        let ran = try outcomes.map { outcome -> Set<Int64> in
            XCTAssertEqual(outcome.status, 0, outcome.stderr)
            return Set(try outcome.stdout.split(separator: "\n").map { try JSONDecoder().decode(JobSummary.self, from: Data($0.utf8)).jobId })
        }
        XCTAssertTrue(ran[0].isDisjoint(with: ran[1]), "\(ran)")
        XCTAssertEqual(ran[0].union(ran[1]), [1, 2, 3, 4])
        let db = try open(dbPath)
        for id in Int64(1)...4 {
            XCTAssertEqual(try db.job(id: id).status, .succeeded)
            XCTAssertEqual(try RecordedJob.duplicates(db, jobId: id), [])
            XCTAssertEqual(try db.stageRuns(jobId: id).filter { $0.round == 0 }.count, 3, "set-up ran once")
            XCTAssertEqual(try db.resumptions(jobId: id), [])
        }
    }
}
