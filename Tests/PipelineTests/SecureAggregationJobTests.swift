import Foundation
import Randomness
import XCTest
@testable import Pipeline
@testable import ResultsStore
@testable import SecureComputation
import TestSupport

/// Secure aggregation (MPC) in the pipeline, on a 2,000-image MNIST slice.
final class SecureAggregationJobTests: XCTestCase {
    /// `clients` clients, a 2,000-image slice, batch size 32; `privacy` is the body of the privacy
    /// block, `stages` an optional `stages:` line after it.
    func manifest(privacy: String, clients: Int = 10, perRound: Int = 10, rounds: Int = 1, threads: Int = 2,
                  architecture: String = "mlp", stages: String = "") -> String {
        smallMNISTManifest(name: "secure", seed: 11, threads: threads, clients: clients, trainExamples: 2000, testExamples: 300,
                           architecture: architecture, rounds: rounds, clientsPerRound: perRound, batchSize: 32,
                           extra: "privacy:\n  \(privacy)\n\(stages)")
    }

    func scratch(_ text: String) throws -> (db: ResultsDatabase, path: String) { try scratchJob(text, prefix: "mpc") }

    func prepared(_ text: String) throws -> PreparedJob {
        try JobService.ready(path: try scratch(text).path).prepared
    }

    /// A round up to `share` with synthetic client deltas in [−0.05, 0.05) (stream `test/updates`).
    func roundWithUpdates(_ job: PreparedJob) throws -> (RoundState, [Int: [Float]]) {
        var state = RoundState(round: 1, global: GlobalModelMessage(round: 1, parameters: job.initialParameters), learningRate: 0.1,
                               parties: Federation(job: job))
        state.protection = RoundProtocols.make(for: job)
        _ = try SelectClientsStage().run(&state, client: nil, job: job)
        var g = RandomStreams(seed: 99).generator("test/updates")
        var plain: [Int: [Float]] = [:]
        for c in state.selectedClients {
            let delta = (0..<job.initialParameters.count).map { _ in g.nextUnitFloat() * 0.1 - 0.05 }
            plain[c] = delta
            state.parties.clients[c].pendingUpdate = ClientUpdateMessage(client: c, round: 1, sampleCount: job.shards[c].count, payload: .plain(delta))
        }
        return (state, plain)
    }

    /// The secure-aggregation round the state's protocol holds.
    func secureRound(_ state: RoundState) -> SecureAggregationRoundState {
        guard let sum = state.protection as? SecureSum, let round = sum.round else { preconditionFailure("no secure-aggregation round") }
        return round
    }

    func runSecureStages(_ state: inout RoundState, _ job: PreparedJob) throws {
        _ = try ProtectStage(.share).runWholeStage(&state, job: job)
        _ = try AggregateStage(releases: false).run(&state, client: nil, job: job)
        _ = try ReleaseStage(.reconstruct).run(&state, client: nil, job: job)
    }

    /// Plaintext FedAvg (the pipeline's own stage) over the given clients' plain updates.
    func plaintextFedAvg(_ state: RoundState, _ plain: [Int: [Float]], clients: [Int], _ job: PreparedJob) throws -> [Float] {
        var plainState = RoundState(round: 1, global: state.global, learningRate: 0.1, parties: state.parties)
        plainState.updates = clients.map { ClientUpdateMessage(client: $0, round: 1, sampleCount: job.shards[$0].count, payload: .plain(plain[$0]!)) }
        _ = try AggregateStage(releases: true).run(&plainState, client: nil, job: job)
        return plainState.nextParameters!
    }

    func testSecAggWithDropoutsEqualsPlaintextFedAvgOverTheSurvivors() throws {
        for scheme in ["secagg", "secagg_plus"] {
            let job = try prepared(manifest(privacy: "secure_aggregation: \(scheme)\n  dropout_rate: 0.2"))
            var (state, plain) = try roundWithUpdates(job)
            try runSecureStages(&state, job)
            let round = secureRound(state)
            XCTAssertEqual(round.plan.dropped.count, 2, "⌊0.2 · 10⌉ clients drop")
            let survivors = state.selectedClients.filter { !round.plan.dropped.contains($0) }
            XCTAssertEqual(round.aggregatorView.includedClients, survivors)
            let expected = try plaintextFedAvg(state, plain, clients: survivors, job)
            let worst = zip(state.nextParameters!, expected).map { abs($0 - $1) }.max()!
            // float32 rounding of n_k·δ (2^−24 relative) and the 2^−24 fixed-point step, divided by Σ n_k ≈ 1,600.
            XCTAssertLessThan(worst, 1e-7, scheme)
            let withAll = try plaintextFedAvg(state, plain, clients: state.selectedClients, job)
            XCTAssertGreaterThan(zip(state.nextParameters!, withAll).map { abs($0 - $1) }.max()!, 1e-5,
                                 "the dropped clients' updates are not in the model")
        }
    }

    func testAdditiveAggregatorSeesOnlyUniformPartialSumsNeverAnUpdate() throws {
        let job = try prepared(manifest(privacy: "secure_aggregation: additive\n  share_holders: 3"))
        var (state, plain) = try roundWithUpdates(job)
        _ = try ProtectStage(.share).runWholeStage(&state, job: job)
        XCTAssertTrue(state.updates.isEmpty, "no plain update reaches the aggregator")
        _ = try AggregateStage(releases: false).run(&state, client: nil, job: job)
        let view = secureRound(state).aggregatorView
        XCTAssertEqual(view.partialSums.count, 3)
        let encoding = secureRound(state).plan.encoding
        for partial in view.partialSums {
            // A partial sum is uniform in Z_(2^64): almost no coordinate decodes to a plausible
            // weighted update (|n_k·δ| ≤ 10 here; P[|uniform| < 2^(24+10)] = 2^−29).
            let decoded = encoding.decode(partial.sum)
            XCTAssertLessThan(decoded.filter { abs($0) < 1000 }.count, 2)
            for (c, delta) in plain {
                let weighted = try encoding.encode(delta.map { $0 * Float(job.shards[c].count) })
                XCTAssertNotEqual(partial.sum, weighted)
            }
        }
        _ = try ReleaseStage(.reconstruct).run(&state, client: nil, job: job)
        let expected = try plaintextFedAvg(state, plain, clients: state.selectedClients, job)
        XCTAssertLessThan(zip(state.nextParameters!, expected).map { abs($0 - $1) }.max()!, 1e-7)
    }

    func testSecAggJobWithDropoutsCompletesAndRecordsTrafficReproducibly() throws {
        var hashes: [String] = []
        var secrets: String?
        for threads in [1, 2] {
            let (db, path) = try scratch(manifest(privacy: "secure_aggregation: secagg\n  dropout_rate: 0.2", rounds: 2, threads: threads))
            let summary = try JobService(database: db).runNow(try JobService.ready(path: path, secretsFile: secrets))
            secrets = try db.secretsPath(jobId: summary.jobId)
            XCTAssertEqual(summary.status, "succeeded")
            XCTAssertGreaterThan(summary.accuracy ?? 0, 0.4, "chance is 0.1")
            let metrics = try db.metrics(jobId: summary.jobId)
            XCTAssertEqual(metrics.filter { $0.name == "dropouts" }.map(\.value), [2, 2])
            XCTAssertEqual(metrics.filter { $0.name == "survivors" }.map(\.value), [8, 8])
            XCTAssertEqual(metrics.filter { $0.name == "threshold" }.map(\.value), [7, 7])
            // A survivor uploads its masked input, 8 bytes per parameter, plus keys and shares.
            XCTAssertTrue(metrics.filter { $0.name == "max_client_bytes_sent" }.allSatisfy { $0.value > 8 * 101_770 })
            let runs = Dictionary(grouping: try db.stageRuns(jobId: summary.jobId), by: \.stage).mapValues(\.count)
            XCTAssertEqual(runs["share"], 20)
            XCTAssertEqual(runs["reconstruct"], 2)
            hashes.append(try XCTUnwrap(summary.modelSha256))
        }
        XCTAssertEqual(hashes[0], hashes[1], "with the same secrets, the model does not depend on the thread count")
    }

    func testTooManyDropoutsFailTheJobWithTheLibrarysReason() throws {
        let (db, path) = try scratch(manifest(privacy: "secure_aggregation: secagg\n  dropout_rate: 0.5"))
        XCTAssertThrowsError(try JobService(database: db).runNow(try JobService.ready(path: path)))
        let job = try XCTUnwrap(try db.jobs().first)
        XCTAssertEqual(job.status, .failed)
        XCTAssertTrue(job.error?.contains("5 clients remain, the threshold is 7") ?? false, job.error ?? "no error")
        XCTAssertEqual(try db.artifacts(jobId: job.id!).map(\.round), [0])
    }

    /// Named dropouts: exactly the named clients drop, the survivors' FedAvg is the model, and a
    /// named client that is not selected is skipped with a warning metric.
    func testNamedDropoutsLeaveExactlyTheNamedClientsOut() throws {
        let job = try prepared(manifest(privacy: "secure_aggregation: secagg\n  dropouts: { 1: [2, 5, 7] }"))
        var (state, plain) = try roundWithUpdates(job)
        try runSecureStages(&state, job)
        let round = secureRound(state)
        XCTAssertEqual(round.plan.dropped, [2, 5, 7])
        XCTAssertEqual(round.plan.configuration?.threshold, 7)
        let survivors = [0, 1, 3, 4, 6, 8, 9]
        XCTAssertEqual(round.aggregatorView.includedClients, survivors)
        let expected = try plaintextFedAvg(state, plain, clients: survivors, job)
        XCTAssertLessThan(zip(state.nextParameters!, expected).map { abs($0 - $1) }.max()!, 1e-7)

        // Five of ten selected (selection depends on the seed only): name every client but the
        // first selected one; only the other four selected can drop, the five unselected are skipped.
        let selected = try roundWithUpdates(try prepared(manifest(privacy: "secure_aggregation: additive", perRound: 5))).0.selectedClients
        let named = (0..<10).filter { $0 != selected[0] }
        let half = try prepared(manifest(privacy: "secure_aggregation: additive\n  dropouts: { 1: \(named) }", perRound: 5))
        var (halfState, _) = try roundWithUpdates(half)
        XCTAssertEqual(halfState.selectedClients, selected)
        var metrics: [StageMetric] = []
        metrics += try ProtectStage(.share).runWholeStage(&halfState, job: half)
        XCTAssertEqual(secureRound(halfState).plan.dropped, Set(selected.dropFirst()))
        XCTAssertEqual(metrics.filter { $0.name == "named_dropouts_not_selected" }.map(\.value), [5])
    }

    /// Four named dropouts of ten leave 6 < t = 7: the job fails naming the round, the survivors and t.
    func testTooManyNamedDropoutsFailTheJobNamingRoundSurvivorsAndThreshold() throws {
        let (db, path) = try scratch(manifest(privacy: "secure_aggregation: secagg\n  dropouts: { 2: [0, 1, 2, 3] }", rounds: 2))
        XCTAssertThrowsError(try JobService(database: db).runNow(try JobService.ready(path: path)))
        let job = try XCTUnwrap(try db.jobs().first)
        XCTAssertEqual(job.status, .failed)
        let error = job.error ?? ""
        XCTAssertTrue(error.contains("round 2: 6 of 10 selected clients remain (survivors [4, 5, 6, 7, 8, 9], dropped [0, 1, 2, 3])"), error)
        XCTAssertTrue(error.contains("fewer than the 7 the round needs"), error)
        XCTAssertEqual(try db.artifacts(jobId: job.id!).map(\.round), [0, 1], "round 1 completed")
    }

    func testClientLevelDPWithAdditiveSharingRecordsOneReleasePerRound() throws {
        let privacy = "differential_privacy: true\n  unit: client\n  epsilon: 8\n  secure_aggregation: additive"
        let (db, path) = try scratch(manifest(privacy: privacy, clients: 10, perRound: 5, rounds: 2))
        let summary = try JobService(database: db).runNow(try JobService.ready(path: path))
        XCTAssertEqual(summary.status, "succeeded")
        let rows = try db.ledger(jobId: summary.jobId)
        XCTAssertEqual(rows.map(\.entry.party), ["aggregator", "aggregator"])
        XCTAssertTrue(rows.allSatisfy { $0.entry.decision == "released" })
        XCTAssertTrue(try db.verifyLedgerChain(jobId: summary.jobId).isIntact)
        let metrics = try db.metrics(jobId: summary.jobId)
        let selected = metrics.filter { $0.name == "clients_selected" }.map(\.value)
        let parties = Dictionary(grouping: metrics.filter { $0.name == "noise_parties" }, by: \.round).mapValues { $0.map(\.value) }
        for (round, count) in selected.enumerated() {
            XCTAssertEqual(Set(parties[round + 1] ?? []), [count], "each client's noise share assumes all selected clients reach the sum")
        }
    }

    func testSecureEvaluationMatchesPlaintextAccuracyWithinATenthOfAPoint() throws {
        let stages = "stages: [select_clients, local_train, share, aggregate, reconstruct, evaluate, secure_evaluate]"
        let (db, path) = try scratch(manifest(privacy: "secure_aggregation: additive", clients: 4, perRound: 4, stages: stages))
        let summary = try JobService(database: db).runNow(try JobService.ready(path: path))
        let metrics = try db.metrics(jobId: summary.jobId)
        let plain = try XCTUnwrap(metrics.first { $0.name == "accuracy" }?.value)
        let secure = try XCTUnwrap(metrics.first { $0.name == "secure_accuracy" }?.value)
        XCTAssertGreaterThan(plain, 0.5, "a trained model (chance is 0.1)")
        XCTAssertEqual(secure, plain, accuracy: 0.001)
        XCTAssertGreaterThan(try XCTUnwrap(metrics.first { $0.name == "triples_consumed" }?.value), 0)
    }

    func issues(_ text: String, capabilities: PipelineCapabilities = .current) -> [ManifestIssue] {
        (try? manifestIssues(text, capabilities: capabilities)) ?? [ManifestIssue(file: "m.yaml", line: 0, keyPath: "", message: "not a ManifestError")]
    }

    func testValidationAcceptsTheSupportedCombinationsAndRefusesTheOthersWithTheirReason() {
        let accepted = [
            "secure_aggregation: additive\n  share_holders: 2\n  dropout_rate: 0.1",
            "secure_aggregation: secagg\n  threshold: 6\n  dropout_rate: 0.2",
            "secure_aggregation: secagg_plus\n  dropout_rate: 0.2",
            "differential_privacy: true\n  unit: client\n  epsilon: 8\n  secure_aggregation: additive",
            "differential_privacy: true\n  unit: example\n  epsilon: 8\n  secure_aggregation: secagg",
            "secure_aggregation: secagg_plus\n  dropouts: { 1: [3, 7] }",
            "secure_aggregation: additive\n  dropouts: {}",
        ]
        for privacy in accepted { XCTAssertEqual(issues(manifest(privacy: privacy)), [], privacy) }
        let secureEvaluate = "stages: [select_clients, local_train, share, aggregate, reconstruct, evaluate, secure_evaluate]"
        XCTAssertEqual(issues(manifest(privacy: "secure_aggregation: additive", stages: secureEvaluate)), [])

        let refused: [(String, String, String, String)] = [
            ("homomorphic_encryption: true\n  secure_aggregation: secagg", "", "privacy.secure_aggregation",
             "combine HE with MPC by secure_aggregation: additive"),
            ("secure_aggregation: secagg\n  dropout_rate: 0.1\n  dropouts: { 1: [2] }", "", "privacy.dropouts", "not both"),
            ("secure_aggregation: secagg\n  dropouts: { 2: [2] }", "", "privacy.dropouts.2", "beyond federation.rounds (1)"),
            ("secure_aggregation: secagg\n  dropouts: { 1: [10] }", "", "privacy.dropouts.1", "client 10 does not exist"),
            ("secure_aggregation: secagg\n  dropouts: { 1: [3, 3] }", "", "privacy.dropouts.1", "more than once"),
            ("dropouts: { 1: [3] }", "", "privacy.dropouts", "needs secure_aggregation"),
            ("secure_aggregation: secagg\n  dropouts: [3]", "", "privacy.dropouts", "mapping from round numbers"),
            ("secure_aggregation: secagg\n  share_holders: 2", "", "privacy.share_holders", "only applies to secure_aggregation: additive"),
            ("threshold: 3", "", "privacy.threshold", "additive (the survivors a round needs), secagg or secagg_plus"),
            ("secure_aggregation: additive\n  threshold: 11", "", "privacy.threshold", "exceeds the 10 clients per round"),
            ("dropout_rate: 0.2", "", "privacy.dropout_rate", "needs secure_aggregation"),
            ("secure_aggregation: secagg\n  threshold: 11", "", "privacy.threshold", "exceeds the 10 clients per round"),
            ("secure_aggregation: secagg\n  threshold: 5", "", "privacy.threshold", "not a majority of the 10 clients per round"),
            ("secure_aggregation: additive", "cnn", "stages", "the cnn's convolutions"),
        ]
        for (privacy, architecture, key, message) in refused {
            let text = architecture.isEmpty ? manifest(privacy: privacy)
                : manifest(privacy: privacy, architecture: architecture, stages: secureEvaluate)
            let found = issues(text, capabilities: .all)
            XCTAssertTrue(found.contains { $0.keyPath == key && $0.message.contains(message) }, "\(privacy): \(found)")
        }
        let old = issues(manifest(privacy: "secure_aggregation: secagg"), capabilities: [.differentialPrivacy])
        XCTAssertTrue(old.contains { $0.keyPath == "privacy.secure_aggregation" && $0.message.contains("not yet supported") })
    }
}
