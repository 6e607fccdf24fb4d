import Foundation
import HomomorphicEncryption
import XCTest
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// HE jobs end to end on a 2,000-image MNIST slice with the mlp (101,770 parameters).
final class HomomorphicEncryptionJobTests: XCTestCase {
    func manifest(rounds: Int = 2, privacy: String = "", perRound: Int = 3) -> String {
        heJobManifest(rounds: rounds, privacy: privacy, perRound: perRound)
    }

    func he(_ scheme: String = "CKKS", n: Int = 8192, extra: String = "") -> String {
        "  homomorphic_encryption: true\n  encryption_scheme: \(scheme)\n  key_length: \(n)\n" + extra
    }

    func run(_ text: String) throws -> (ResultsDatabase, JobSummary) { try runJobNow(text, prefix: "he") }

    /// `text` run with the secrets of job `jobId` of `db`: its plaintext twin trains on the same
    /// shuffles, so the two differ by the scheme's error only.
    func twin(_ text: String, of db: ResultsDatabase, _ jobId: Int64) throws -> JobSummary {
        let (twinDB, path) = try scratchJob(text, prefix: "he-twin")
        return try JobService(database: twinDB).runNow(try JobService.ready(path: path, secretsFile: try db.secretsPath(jobId: jobId)))
    }

    func metric(_ db: ResultsDatabase, _ job: Int64, _ name: String) throws -> [MetricRecord] {
        try metricsWithSimulatorRecords(db, jobId: job).filter { $0.name == name }
    }

    /// Round 1 starts from the same model in both jobs, so its released delta differs from the
    /// plaintext FedAvg delta only by the CKKS error (`he_max_abs_error`); the final accuracy of
    /// the two jobs agrees.
    func testCKKSJobEqualsPlaintextFedAvgWithinTheSchemeError() throws {
        let (db, encrypted) = try run(manifest(privacy: he()))
        let plain = try twin(manifest(), of: db, encrypted.jobId)
        XCTAssertEqual(encrypted.status, "succeeded")
        let errors = try metric(db, encrypted.jobId, "he_max_abs_error")
        XCTAssertEqual(errors.count, 2)
        let precision = try metric(db, encrypted.jobId, "he_precision_bits")[0].value
        XCTAssertEqual(precision, 20, "N = 8192 holds the 2^−20 release precision for 4 key holders")
        for e in errors { XCTAssertLessThanOrEqual(e.value, pow(2, -precision), "round \(e.round)") }
        XCTAssertGreaterThan(errors[0].value, 0, "the release is rounded, not the plaintext itself")
        XCTAssertEqual(encrypted.accuracy!, plain.accuracy!, accuracy: 0.004, "at most two of 500 test images differ")
        // Bytes: 13 compact ciphertexts of N = 8192 values each (issue 16) per client sharing one c1
        // under the 13-secret key (PVW packing, one blob), counted from the serialization, plus the
        // wire frame (16), the update's fields (18), the encrypted payload's header (28) and an
        // 8-byte length before each blob; under a fifth of the 25 full ones (the codec's Σw ≤ 16384
        // keeps 127 bits of c1 here; 10 clients of weight 1 need 105).
        let sent = try metric(db, encrypted.jobId, "bytes_sent").filter { $0.stage == "encrypt" }
        XCTAssertEqual(sent.count, 6)
        let codec = try HESetup.make(try ManifestReader().parse(manifest(privacy: he()), file: "he.yaml"), noiseMultiplier: nil, maxGradNorm: nil,
                                     parameterCount: 101_770).codec
        XCTAssertNotNil(codec.compact)
        XCTAssertEqual(codec.secretsPerKey, 13)
        XCTAssertEqual(codec.groups(forValues: 101_770).count, 1)
        XCTAssertEqual(sent[0].value, Double(16 + 18 + 28 + 1 * 8 + codec.serializedByteCount(forValues: 101_770)))
        let full = 25 * HESerialization.ciphertextByteCount(context: codec.context, limbs: 3)
        XCTAssertLessThan(sent[0].value, 0.2 * Double(full))
        XCTAssertEqual(try metric(db, encrypted.jobId, "ciphertexts")[0].value, 13)
        XCTAssertEqual(try metric(db, encrypted.jobId, "decryption_shares")[0].value, 4, "every key holder contributes")
    }

    /// The aggregator's inputs are ciphertexts only: every update reaching aggregate is encrypted,
    /// nothing is in the clear until decrypt, and the plaintext FedAvg stage cannot read them.
    func testAggregatorSeesOnlyCiphertexts() throws {
        struct Probe: RoundStage {
            let inner: RoundStage
            var name: StageName { inner.name }
            var scope: StageScope { inner.scope }
            func plan(_ state: inout RoundState, job: PreparedJob) throws -> [StageMetric] { try inner.plan(&state, job: job) }
            func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
                for update in state.updates {
                    guard case .encrypted(let e) = update.payload else { throw PipelineError.stage("probe", "plaintext update at the aggregator") }
                    _ = try job.heSetup!.codec.receive(e.ciphertexts, count: e.valueCount)
                }
                guard state.aggregateDelta == nil, state.nextParameters == nil else { throw PipelineError.stage("probe", "aggregate in the clear") }
                var copy = state
                copy.protection = PlainFedAvg()
                XCTAssertThrowsError(try AggregateStage(releases: true).run(&copy, client: nil, job: job), "plaintext FedAvg cannot read ciphertexts")
                return try inner.run(&state, client: client, job: job)
            }
        }
        let (db, path) = try scratchJob(manifest(privacy: he(n: 4096)), prefix: "he")
        let started = try StartedJob(path: path, database: db)
        started.runner.stageOverride = { stages in stages.map { $0.name == .aggregate ? Probe(inner: $0) : $0 } }
        XCTAssertEqual(try started.execute().status, "succeeded", "N = 4096 (the seed's key_length) runs")
    }

    func testKeyRotationMakesAndRecordsANewKeyEveryRRounds() throws {
        let (db, summary) = try run(manifest(rounds: 5, privacy: he(n: 4096, extra: "  rotate_keys_every: 2\n")))
        XCTAssertEqual(summary.status, "succeeded")
        let keys = try db.heKeys(jobId: summary.jobId)
        XCTAssertEqual(keys.map(\.epoch), [0, 1, 2])
        XCTAssertEqual(keys.map(\.createdRound), [1, 3, 5])
        XCTAssertEqual(Set(keys.map(\.keyID)).count, 3, "every epoch has a new key")
        XCTAssertTrue(keys.allSatisfy { $0.parties == 4 && $0.ringDegree == 4096 && $0.scheme == "CKKS" && $0.logQ <= 109 })
        XCTAssertEqual(try metric(db, summary.jobId, "he_key_epoch").map(\.round), [1, 3, 5])
    }

    func testBFVJobEqualsPlaintextFedAvgWithinTheFixedPointStep() throws {
        let (db, bfv) = try run(manifest(privacy: he("BFV", n: 4096)))
        let plain = try twin(manifest(), of: db, bfv.jobId)
        XCTAssertEqual(bfv.status, "succeeded")
        let precision = try metric(db, bfv.jobId, "he_precision_bits")[0].value
        for e in try metric(db, bfv.jobId, "he_max_abs_error") {
            // Rounding each client's value to 2^−p and the release to 2^−p: at most 2^−p in all.
            XCTAssertLessThanOrEqual(e.value, pow(2, -precision))
        }
        XCTAssertEqual(bfv.accuracy!, plain.accuracy!, accuracy: 0.004)
    }

    func testClientLevelDPWithHEGatesTheDecryptedRelease() throws {
        let dp = "  differential_privacy: true\n  unit: client\n  epsilon: 50\n  delta: 1e-5\n  max_grad_norm: 1.0\n"
        let (db, summary) = try run(manifest(privacy: dp + he()))
        XCTAssertEqual(summary.status, "succeeded")
        let rows = try db.ledger(jobId: summary.jobId)
        XCTAssertEqual(rows.map(\.entry.party), ["aggregator", "aggregator"])
        XCTAssertTrue(rows.allSatisfy { $0.entry.decision == "released" })
        for e in try metric(db, summary.jobId, "he_max_abs_error") { XCTAssertLessThanOrEqual(e.value, 1e-5) }
    }

    func testInsecureParametersAndUnsupportedCombinationsAreRefused() throws {
        let m = try ManifestReader().parse(manifest(privacy: he(n: 4096)), file: "he.yaml")
        XCTAssertThrowsError(try HESetup.make(m, noiseMultiplier: nil, maxGradNorm: nil, modulusBits: [60, 60])) { error in
            guard case HEParameterError.insecure(4096, 120, 109) = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("log2 Q ≤ 109"), "\(error)")
        }
        XCTAssertThrowsError(try ManifestReader().parse(manifest(privacy: he(n: 2048)), file: "he.yaml")) { error in
            XCTAssertTrue("\(error)".contains("privacy.key_length"), "\(error)")
        }
        let both = he() + "  secure_aggregation: secagg\n"
        XCTAssertThrowsError(try ManifestReader().parse(manifest(privacy: both), file: "he.yaml")) { error in
            XCTAssertTrue("\(error)".contains("privacy.secure_aggregation: secagg masks plaintext updates pairwise"), "\(error)")
        }
    }

    /// FedAvg weights as integers: exact (n_k / gcd) when they fit the codec's budget, otherwise
    /// rounded to it with Σw ≤ budget and each share within 1e-3 of n_k / Σn; epochs follow R.
    func testIntegerFedAvgWeightsAndKeyEpochs() throws {
        let m = try ManifestReader().parse(manifest(privacy: he(extra: "  rotate_keys_every: 3\n")), file: "he.yaml")
        let setup = try HESetup.make(m, noiseMultiplier: nil, maxGradNorm: nil)
        XCTAssertEqual(setup.weightBudget, 16384)
        XCTAssertEqual(setup.integerWeights([500, 500, 500]), [1, 1, 1])
        XCTAssertEqual(setup.integerWeights([300, 200, 700]), [3, 2, 7])
        XCTAssertEqual(setup.integerWeights([301, 200, 700]), [301, 200, 700])
        let counts = [60_001, 30_000, 7]
        let w = setup.integerWeights(counts)
        XCTAssertLessThanOrEqual(w.reduce(0, +), setup.weightBudget)
        for (wk, nk) in zip(w, counts) {
            XCTAssertEqual(Double(wk) / Double(w.reduce(0, +)), Double(nk) / 90_008, accuracy: 1e-3)
        }
        XCTAssertEqual((1...7).map { setup.epoch(ofRound: $0) }, [0, 0, 0, 1, 1, 1, 2])
    }
}

/// The HE job tests' manifest: 4 clients, the mlp, a 2,000-image slice; `privacy` is the body of
/// the `privacy:` block (none when empty).
func heJobManifest(rounds: Int = 2, privacy: String = "", perRound: Int = 3) -> String {
    smallMNISTManifest(name: "he", seed: 11, clients: 4, trainExamples: 2000, testExamples: 500,
                       rounds: rounds, clientsPerRound: perRound, extra: privacy.isEmpty ? "" : "privacy:\n" + privacy)
}
