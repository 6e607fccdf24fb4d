import Foundation
import HomomorphicEncryption
import XCTest
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// DP + HE + MPC (homomorphic_encryption with secure_aggregation: additive) on a 2,000-image
/// MNIST slice with the mlp, and the table of which privacy combinations validate.
final class HEMPCJobTests: XCTestCase {
    /// The HE job tests' manifest (4 clients, mlp, 2,000 training images), every client in every round.
    func manifest(privacy: String) -> String {
        heJobManifest(privacy: privacy, perRound: 4)
    }

    static let exampleDP = "  differential_privacy: true\n  unit: example\n  epsilon: 20\n  noise_multiplier: 1.0\n"
    static let heMPC = "  homomorphic_encryption: true\n  encryption_scheme: CKKS\n  key_length: 8192\n"
        + "  secure_aggregation: additive\n  share_holders: 3\n"

    func issues(_ text: String) -> [ManifestIssue] {
        (try? manifestIssues(text)) ?? [ManifestIssue(file: "m.yaml", line: 0, keyPath: "", message: "not a ManifestError")]
    }

    /// Every combination of DP (off, example, client) × HE (off, CKKS, BFV) × secure_aggregation:
    /// HE with the pairwise-mask schemes is refused on privacy.secure_aggregation with the reason
    /// (naming homomorphic_encryption and the combination that works); everything else validates,
    /// and HE with additive sharing runs encrypt → aggregate → decrypt (no per-round share stages).
    func testCombinationTableValidatesExactlyTheSupportedCombinations() {
        let dps = ["": "off", "  differential_privacy: true\n  unit: example\n  epsilon: 8\n": "example",
                   "  differential_privacy: true\n  unit: client\n  epsilon: 8\n": "client"]
        let hes = ["": "off", "  homomorphic_encryption: true\n  encryption_scheme: CKKS\n": "CKKS",
                   "  homomorphic_encryption: true\n  encryption_scheme: BFV\n": "BFV"]
        var checked = 0
        for (dp, dpName) in dps {
            for (he, heName) in hes {
                for sa in ["none", "additive", "secagg", "secagg_plus"] {
                    let label = "DP \(dpName), HE \(heName), secure_aggregation \(sa)"
                    let found = issues(manifest(privacy: dp + he + "  secure_aggregation: \(sa)\n"))
                    checked += 1
                    if heName != "off" && (sa == "secagg" || sa == "secagg_plus") {
                        XCTAssertEqual(found.map(\.keyPath), ["privacy.secure_aggregation"], label)
                        XCTAssertTrue(found.first?.message.contains("homomorphic_encryption") ?? false, label)
                        XCTAssertTrue(found.first?.message.contains("secure_aggregation: additive") ?? false, label)
                    } else {
                        XCTAssertEqual(found, [], label)
                    }
                }
            }
        }
        XCTAssertEqual(checked, 36)
        let m = try? ManifestReader().parse(manifest(privacy: Self.heMPC), file: "m.yaml")
        XCTAssertEqual(m?.stages, [.selectClients, .localTrain, .encrypt, .aggregate, .decrypt, .evaluate])
    }

    /// Round 1 of the DP + HE + MPC job and of its plaintext DP twin (same seed, example-level
    /// DP-SGD, so the same noisy client updates) start from the same model: the released model
    /// differs from the twin's by no more than the CKKS release precision 2^−20 (plus float32
    /// rounding of the parameters).
    func testAggregateEqualsThePlaintextDPTwinWithinTheCKKSError() throws {
        // Both jobs' parties draw from the same roots, so they differ by the CKKS error only.
        let secrets = JobSecrets.fresh(for: try ManifestReader().parse(manifest(privacy: Self.exampleDP + Self.heMPC), file: "m.yaml"))
        func firstRound(_ text: String) throws -> (RoundState, [StageMetric]) {
            let job = try PreparedJob.prepare(try ManifestReader().parse(text, file: "m.yaml"), secrets: secrets)
            var state = RoundState(round: 1, global: GlobalModelMessage(round: 1, parameters: job.initialParameters), learningRate: 0.1,
                                   parties: Federation(job: job))
            state.privacy = job.privacyPlan.map { PrivacyBook(plan: $0) }
            state.protection = RoundProtocols.make(for: job)
            var metrics: [StageMetric] = []
            for stage in JobRunner.stages(for: job.manifest) { metrics += try stage.runWholeStage(&state, job: job) }
            return (state, metrics)
        }
        let (twin, _) = try firstRound(manifest(privacy: Self.exampleDP))
        let (combined, metrics) = try firstRound(manifest(privacy: Self.exampleDP + Self.heMPC))
        let worst = zip(twin.nextParameters!, combined.nextParameters!).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(worst, pow(2, -20) + 1e-6)
        XCTAssertGreaterThan(worst, 0, "the release went through CKKS, not around it")
        XCTAssertEqual(metrics.first { $0.name == "threshold_decryption" }?.unit, "mode:share-holders")
        XCTAssertEqual(metrics.first { $0.name == "decryption_shares" }?.value, 3, "the three share-holders, not the four clients")
    }

    /// A two-round client-level DP + HE + MPC job where client 1 drops in round 2: it succeeds,
    /// puts one aggregator release per round on the ledger, spreads the noise over the survivors,
    /// and records bytes per client and per share-holder and the decryption mode.
    func testClientLevelJobWithANamedDropoutRecordsLedgerBytesAndMode() throws {
        let dp = "  differential_privacy: true\n  unit: client\n  epsilon: 50\n  max_grad_norm: 1.0\n"
        let (db, path) = try scratchJob(manifest(privacy: dp + Self.heMPC + "  dropouts: { 2: [1] }\n"), prefix: "hempc")
        let summary = try JobService(database: db).runNow(try JobService.ready(path: path))
        XCTAssertEqual(summary.status, "succeeded")
        let rows = try db.ledger(jobId: summary.jobId)
        XCTAssertEqual(rows.map(\.entry.party), ["aggregator", "aggregator"])
        XCTAssertTrue(try db.verifyLedgerChain(jobId: summary.jobId).isIntact)
        let metrics = try metricsWithSimulatorRecords(db, jobId: summary.jobId)
        func values(_ name: String) -> [Double] { metrics.filter { $0.name == name }.map(\.value) }
        let selected = metrics.filter { $0.name == "clients_selected" }.map(\.value)
        // Round 2: client 1 (if selected) sends nothing. The cohort is private under client-level
        // DP, so the aggregator records how many dropped, never who.
        let dropped = metrics.filter { $0.name == "dropped" }
        XCTAssertTrue(dropped.allSatisfy { $0.client == nil }, "\(dropped)")
        XCTAssertEqual(dropped.map(\.round), [1, 2])
        XCTAssertEqual(dropped[0].value, 0)
        XCTAssertLessThanOrEqual(dropped[1].value, 1)
        let updates = metrics.filter { $0.name == "updates" }.map(\.value)
        XCTAssertEqual(updates, [selected[0], selected[1] - dropped[1].value])
        // Every round's noise is split for the m = n − ⌈n/4⌉ survivors it guarantees (one named
        // dropout of 4 clients per round is the design rate), in round 1 too, where nobody drops:
        // a client adds its noise before anyone knows who will drop.
        for m in metrics where m.name == "noise_parties" {
            let n = selected[m.round - 1]
            XCTAssertEqual(m.value, n - (n / 4).rounded(.up), "round \(m.round)")
        }
        XCTAssertEqual(Set(metrics.filter { $0.name == "threshold_decryption" }.map(\.unit)), ["mode:share-holders"])
        XCTAssertEqual(values("decryption_shares"), [3, 3])
        for h in 0..<3 {
            XCTAssertEqual(values("holder_\(h)_bytes_sent").count, 2)
            XCTAssertEqual(values("holder_\(h)_key_bytes_received").count, 1, "one key epoch")
        }
        XCTAssertGreaterThan(values("holder_2_key_bytes_received")[0], 4 * 8192 * 8, "four correction polynomials over R_Q")
        // Four framed seeds: the 16-byte frame, purpose, epoch, sender and blob count (18), the
        // blob's length (8) and its 56-byte serialized seed (55 and the key's k).
        XCTAssertEqual(values("holder_0_key_bytes_received")[0], 4 * (16 + 18 + 8 + 56), "four seeds (each with the key's k, one byte)")
        XCTAssertEqual(values("key_fragment_bytes").count, 1)
        for e in values("he_max_abs_error") { XCTAssertLessThanOrEqual(e, 1e-5) }
    }
}
