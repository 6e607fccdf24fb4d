import Foundation
import GRDB
import XCTest
@testable import Audit
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// The audit's checks of the cryptography as it ran — HE keys against the rotation policy and the
/// 128-bit bounds (`he_key_rotation`, `he_security`), secure aggregation against its thresholds
/// (`mpc_security`) — pass on real jobs and fail, naming the round or epoch, when the records
/// show a key kept too long, a key re-used, insecure parameters, a minority threshold or a
/// missing share-holder.
final class CryptographicSettingsTamperTests: XCTestCase {
    /// A small real job (mlp, 600 training images, 4 clients all in every round, 2 rounds).
    func job(_ privacy: String) throws -> (db: ResultsDatabase, id: Int64, path: String) {
        let text = smallMNISTManifest(name: "crypto-settings", seed: 21, clients: 4, trainExamples: 600, testExamples: 200,
                                      rounds: 2, clientsPerRound: 4, extra: "privacy:\n  \(privacy)")
        let (db, summary) = try runJobNow(text, prefix: "crypto")
        XCTAssertEqual(summary.status, "succeeded")
        return (db, summary.jobId, db.path)
    }

    func findings(_ db: ResultsDatabase, _ id: Int64) throws -> [String: AuditFinding] {
        let report = try JobAuditor(database: db).audit(jobId: id, reproduce: false)
        return Dictionary(report.findings.map { ($0.check, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func edit(_ path: String, _ sql: String) throws {
        try DatabaseQueue(path: path).write { try $0.execute(sql: sql) }
    }

    static let rotatingBFV = "homomorphic_encryption: true\n  encryption_scheme: BFV\n  key_length: 4096\n  rotate_keys_every: 1"

    func testHEJobPassesWithOneFreshKeyPerEpochWithin128BitBounds() throws {
        let job = try job(Self.rotatingBFV)
        let f = try findings(job.db, job.id)
        let rotation = try XCTUnwrap(f["he_key_rotation"]), security = try XCTUnwrap(f["he_security"])
        XCTAssertTrue(rotation.passed, rotation.evidence)
        XCTAssertTrue(rotation.evidence.contains("epoch 1 from round 2"), rotation.evidence)
        XCTAssertTrue(security.passed, security.evidence)
        XCTAssertTrue(security.evidence.contains("N = 4096, log2 Q = 109 ≤ 109"), security.evidence)
        XCTAssertTrue(security.evidence.contains("in 2 rounds floods the decryption noise at 40-bit statistical security"), security.evidence)
        XCTAssertNil(f["mpc_security"], "no secure aggregation in this job")
    }

    /// Runs a job with `privacy`, checks that `check` passes, applies `sql` (with `JOB` standing for
    /// the job id) behind privfed's back, and returns the finding `check` then gives.
    func tampered(_ privacy: String, _ sql: String, check: String, file: StaticString = #filePath, line: UInt = #line) throws -> AuditFinding {
        let job = try job(privacy)
        let before = try XCTUnwrap(try findings(job.db, job.id)[check], file: file, line: line)
        XCTAssertTrue(before.passed, before.evidence, file: file, line: line)
        try edit(job.path, sql.replacingOccurrences(of: "JOB", with: "\(job.id)"))
        let after = try XCTUnwrap(try findings(job.db, job.id)[check], file: file, line: line)
        XCTAssertFalse(after.passed, "\(check) still passes after: \(sql)", file: file, line: line)
        return after
    }

    func testAKeyKeptPastItsEpochFailsTheRotationCheck() throws {
        let f = try tampered(Self.rotatingBFV, "DELETE FROM he_keys WHERE job_id = JOB AND epoch = 1", check: "he_key_rotation")
        XCTAssertTrue(f.evidence.contains("epochs [0] but 2 completed rounds rotated every 1 round need epochs [0, 1]"), f.evidence)
    }

    func testARotationThatReusedTheOldKeyIsNamed() throws {
        let f = try tampered(Self.rotatingBFV, "UPDATE he_keys SET key_id = (SELECT key_id FROM he_keys WHERE job_id = JOB AND epoch = 0) "
                             + "WHERE job_id = JOB AND epoch = 1", check: "he_key_rotation")
        XCTAssertTrue(f.evidence.contains("epoch 1 re-used the key"), f.evidence)
    }

    func testParametersBeyondThe128BitBoundFailTheSecurityCheck() throws {
        let f = try tampered(Self.rotatingBFV, "UPDATE he_keys SET log_q = 120 WHERE job_id = JOB AND epoch = 1", check: "he_security")
        XCTAssertEqual(f.evidence, "epoch 1: N = 4096 with log2 Q = 120 bits exceeds the 128-bit bound of 109 bits")
    }

    /// Smudging too small for the recorded decryption noise would let the decryption noise — and
    /// with it the secret key — through; the round is named.
    func testSmudgingTooSmallForTheNoiseFailsTheSecurityCheck() throws {
        let f = try tampered(Self.rotatingBFV, "UPDATE metrics SET value = 30 WHERE job_id = JOB AND round = 2 AND name = 'smudging_bits'",
                             check: "he_security")
        XCTAssertTrue(f.evidence.hasPrefix("round 2: decryption shares smudged with 30 bits, but noise of 2^"), f.evidence)
        XCTAssertTrue(f.evidence.hasSuffix("for 40-bit statistical security"), f.evidence)
    }

    /// A BFV decryption noise recorded below what the round's Σw fresh encryptions carry — a build
    /// whose bound leaves out a term, as issue 13's left out r_t(Q)·carry — fails even though the
    /// smudging covers the understated noise; the round is named.
    func testBFVDecryptionNoiseBelowTheAggregatesFreshNoiseFailsTheSecurityCheck() throws {
        let f = try tampered(Self.rotatingBFV, "UPDATE metrics SET value = value - 10 WHERE job_id = JOB AND round = 2 AND name = 'decryption_noise_log2'",
                             check: "he_security")
        XCTAssertTrue(f.evidence.hasPrefix("round 2: decryption noise recorded as 2^"), f.evidence)
        XCTAssertTrue(f.evidence.contains("fresh encryptions has noise up to 2^"), f.evidence)
    }

    /// 4 clients ran with t = ⌊2·4/3⌋ + 1 = 3 of k + 1 = 4; t = 2 is half of them, not a majority.
    func testSecAggWithAMinorityThresholdIsNamed() throws {
        let f = try tampered("secure_aggregation: secagg", "UPDATE metrics SET value = 2 WHERE job_id = JOB AND round = 2 AND name = 'threshold'",
                             check: "mpc_security")
        XCTAssertEqual(f.evidence, "round 2: threshold t = 2 is not a majority of the 4 holders of each client's key shares")
    }

    func testSecAggWithAnHonestMajorityPasses() throws {
        let job = try job("secure_aggregation: secagg")
        let f = try XCTUnwrap(try findings(job.db, job.id)["mpc_security"])
        XCTAssertTrue(f.passed, f.evidence)
        XCTAssertTrue(f.evidence.contains("t = 3 of k + 1 = 4"), f.evidence)
    }

    /// Client-level DP under secure aggregation splits the noise over the m clients sure to reach
    /// the sum; a round where fewer did released less noise than the ledger accounts for.
    func testDistributedNoiseSplitForMoreClientsThanReachedTheSumIsNamed() throws {
        let privacy = "differential_privacy: true\n  unit: client\n  epsilon: 8\n  noise_multiplier: 1.0\n  secure_aggregation: additive"
        let f = try tampered(privacy, "UPDATE metrics SET value = value + 1 WHERE job_id = JOB AND round = 1 AND name = 'noise_parties'",
                             check: "mpc_security")
        XCTAssertTrue(f.evidence.hasPrefix("round 1: noise was split for "), f.evidence)
        XCTAssertTrue(f.evidence.contains("carried less than the σC the ledger accounts for"), f.evidence)
    }

    func testAdditiveSharingWithAMissingShareHolderIsNamed() throws {
        let f = try tampered("secure_aggregation: additive\n  share_holders: 3",
                             "DELETE FROM metrics WHERE job_id = JOB AND round = 1 AND name = 'holder_2_bytes_received'", check: "mpc_security")
        XCTAssertTrue(f.evidence.contains("round 1: 2 share-holders took part, the manifest asks for 3"), f.evidence)
    }

    /// The first release sized each client's noise share for the survivors of the round — the
    /// dropouts that had not happened yet when the client added its noise — and skipped the check
    /// for HE + MPC. Now every path splits the noise for the m survivors the round guarantees
    /// (n − ⌈r·n⌉ for a design dropout rate r), the audit recomputes m, and a record claiming the
    /// noise was sized for the realised survivors is named.
    func testDistributedNoiseIsSizedForTheGuaranteedSurvivorsOnEveryPath() throws {
        let dp = "differential_privacy: true\n  unit: client\n  epsilon: 50\n  noise_multiplier: 1.0\n  max_grad_norm: 1.0"
        for mpc in ["secure_aggregation: additive\n  dropouts: { 2: [1] }",
                    "homomorphic_encryption: true\n  encryption_scheme: CKKS\n  secure_aggregation: additive\n  dropouts: { 2: [1] }"] {
            let job = try job(dp + "\n  " + mpc)
            let metrics = try job.db.metrics(jobId: job.id)
            for round in [1, 2] {
                let n = try XCTUnwrap(metrics.first { $0.round == round && $0.name == "clients_selected" }?.value)
                let split = Set(metrics.filter { $0.round == round && $0.name == "noise_parties" }.map(\.value))
                XCTAssertEqual(split, [n - (n / 4).rounded(.up)], "\(mpc), round \(round): one named dropout of 4 is the design rate")
            }
            let passed = try XCTUnwrap(try findings(job.db, job.id)["mpc_security"])
            XCTAssertTrue(passed.passed && passed.evidence.contains("distributed DP noise"), passed.evidence)

            // The old sizing, written into the records: round 1 had no dropout, so "split for all n".
            try edit(job.path, "UPDATE metrics SET value = (SELECT value FROM metrics WHERE job_id = \(job.id) AND round = 1 AND name = 'clients_selected') WHERE job_id = \(job.id) AND round = 1 AND name = 'noise_parties'")
            let failed = try XCTUnwrap(try findings(job.db, job.id)["mpc_security"])
            XCTAssertFalse(failed.passed, mpc)
            XCTAssertTrue(failed.evidence.contains("round 1: noise was split for 4 clients but the round guarantees 3 of its 4"), failed.evidence)
        }
    }
}
