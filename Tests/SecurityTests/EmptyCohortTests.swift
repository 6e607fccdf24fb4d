import Audit
import DifferentialPrivacy
import Foundation
@testable import Pipeline
import Randomness
import ResultsStore
import TestSupport
import XCTest

/// Client-level DP samples each round's cohort by Poisson coins, so a round may select nobody
/// (probability (1 − q)^K). Under HE or secure aggregation the noise comes from the clients'
/// shares, so an empty round had no noise to release and failed the job. Now the aggregator
/// releases its own N(0, σ²C²)/(q·K) for that round, accounted like any other, and the audit
/// names the round. The tests fix the clients' roots so that round 1 selects nobody and round 2
/// everybody.
final class EmptyCohortTests: XCTestCase {
    static let clientDP = "  differential_privacy: true\n  unit: client\n  epsilon: 50\n  noise_multiplier: 0.5\n"

    static func manifest(_ name: String, _ privacy: String) -> String {
        smallMNISTManifest(name: name, seed: 5, clients: 4, trainExamples: 800, testExamples: 200, rounds: 2, clientsPerRound: 3,
                           extra: "privacy:\n" + clientDP + privacy)
    }

    /// Fresh roots for every party of `text`, each client's drawn again until its round-1 coin is
    /// tails and its round-2 coin heads; written to a secrets file beside the manifest.
    func secretsWithAnEmptyFirstCohort(_ text: String, path: String) throws -> String {
        let manifest = try ManifestReader().parse(text, file: path)
        let q = Double(manifest.federation.clientsPerRound) / Double(manifest.dataset.clients)
        func heads(_ root: SecretRoot, round: Int) -> Bool {
            var coin = RandomStreams(root: root).generator("round/\(round)/cohort")
            return !PoissonSampling.sample(populationSize: 1, rate: q, using: &coin).isEmpty
        }
        var roots = JobSecrets.fresh(for: manifest).roots
        for k in 0..<manifest.dataset.clients {
            var root = SecretRoot.fromOperatingSystem()
            while heads(root, round: 1) || !heads(root, round: 2) { root = SecretRoot.fromOperatingSystem() }
            roots[.client(k)] = root
        }
        return try SecretsFile.write(JobSecrets(roots: roots), jobId: 0, name: manifest.name,
                                     directory: (path as NSString).deletingLastPathComponent)
    }

    func runWithAnEmptyFirstRound(_ text: String, prefix: String) throws -> (db: ResultsDatabase, job: Int64, secrets: String) {
        let (db, path) = try scratchJob(text, prefix: prefix)
        let secrets = try secretsWithAnEmptyFirstCohort(text, path: path)
        let summary = try JobService(database: db).runNow(try JobService.ready(path: path, secretsFile: secrets))
        XCTAssertEqual(summary.status, "succeeded", prefix)
        return (db, summary.jobId, secrets)
    }

    func checkTheEmptyRoundReleasedNoiseAndAudits(_ text: String, prefix: String, releaseStage: String) throws {
        let (db, job, secrets) = try runWithAnEmptyFirstRound(text, prefix: prefix)
        let metrics = try db.metrics(jobId: job)
        func value(_ round: Int, _ stage: String, _ name: String) -> Double? {
            metrics.first { $0.round == round && $0.stage == stage && $0.name == name && $0.client == nil }?.value
        }
        XCTAssertEqual(value(1, "select_clients", "clients_selected"), 0, prefix)
        XCTAssertEqual(value(2, "select_clients", "clients_selected"), 4, prefix)
        XCTAssertEqual(value(1, releaseStage, "empty_cohort_noise"), 1, "\(prefix): round 1 released the aggregator's noise")
        XCTAssertNil(value(2, releaseStage, "empty_cohort_noise"), prefix)
        let ledger = try db.ledger(jobId: job)
        XCTAssertEqual(ledger.map(\.entry.round), [1, 2], "\(prefix): the empty round is accounted like any other")
        XCTAssertEqual(Set(ledger.map(\.entry.party)), ["aggregator"], prefix)
        let models = try db.artifacts(jobId: job).filter { $0.kind == "global_model" }.sorted { $0.round < $1.round }
        XCTAssertEqual(models.map(\.round), [0, 1, 2], prefix)
        XCTAssertNotEqual(models[0].sha256, models[1].sha256, "\(prefix): the empty round's model carries the noise")

        let report = try JobAuditor(database: db).audit(jobId: job, reproduce: true, secretsFile: secrets)
        for finding in report.findings { XCTAssertTrue(finding.passed, "\(prefix): \(finding.check): \(finding.evidence)") }
        if text.contains("secure_aggregation") {
            let mpc = try XCTUnwrap(report.findings.first { $0.check == "mpc_security" }, prefix)
            XCTAssertTrue(mpc.evidence.contains("round 1 had an empty Poisson cohort"), mpc.evidence)
        }
    }

    func testAnEmptyCohortUnderThresholdHEReleasesTheAggregatorsNoise() throws {
        try checkTheEmptyRoundReleasedNoiseAndAudits(Self.manifest("empty-he", "  homomorphic_encryption: true\n  encryption_scheme: CKKS\n"),
                                                     prefix: "empty-he", releaseStage: "decrypt")
    }

    func testAnEmptyCohortUnderSecAggReleasesTheAggregatorsNoise() throws {
        try checkTheEmptyRoundReleasedNoiseAndAudits(Self.manifest("empty-secagg", "  secure_aggregation: secagg\n  threshold: 3\n"),
                                                     prefix: "empty-secagg", releaseStage: "reconstruct")
    }

    func testAnEmptyCohortUnderAdditiveSharingReleasesTheAggregatorsNoise() throws {
        try checkTheEmptyRoundReleasedNoiseAndAudits(Self.manifest("empty-additive", "  secure_aggregation: additive\n  share_holders: 3\n"),
                                                     prefix: "empty-additive", releaseStage: "reconstruct")
    }

    /// Central DP-FedAvg always added the aggregator's noise; an empty round there is unchanged.
    func testAnEmptyCohortUnderCentralDPFedAvgStillReleasesNoise() throws {
        let (db, job, _) = try runWithAnEmptyFirstRound(Self.manifest("empty-central", ""), prefix: "empty-central")
        XCTAssertEqual(try db.ledger(jobId: job).map(\.entry.round), [1, 2])
    }
}
