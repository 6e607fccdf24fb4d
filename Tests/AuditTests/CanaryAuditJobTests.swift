import Foundation
import Learning
import Randomness
import XCTest
@testable import Audit
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// Runs `text` with the real runner into a scratch database.
func runCanaryJob(_ text: String) throws -> (db: ResultsDatabase, id: Int64) {
    try runWithJobRunner(text, prefix: "canary")
}

final class CanaryAuditJobTests: XCTestCase {
    /// Without DP the network memorises the mislabelled canaries it trains on, so their loss
    /// gives them away: a clearly positive ε_LB, and the audit (nothing claimed) passes.
    func testWithoutDPTheCanariesAreMemorisedAndEpsilonLowerBoundIsClearlyPositive() throws {
        let job = try runCanaryJob(canaryJobManifest(name: "canary-nodp", seed: 5))
        let record = try XCTUnwrap(try job.db.canaryAudit(jobId: job.id))
        let reveal = try XCTUnwrap(record.reveal)
        XCTAssertEqual(record.guessTotals, [20, 40, 100, 200])
        XCTAssertGreaterThan(reveal.epsilonLowerBound, 1.0, "\(reveal)")
        XCTAssertNil(reveal.epsilonAccounted)
        XCTAssertEqual(reveal.delta, 0)
        // Independent of the audit code: the guesses are right far more often than chance.
        XCTAssertGreaterThan(Double(reveal.correct) / Double(reveal.guesses), 0.8)

        // The included canaries really were in the training data: the shards held 300 + included.
        let mask = try XCTUnwrap(CanaryCommitment.mask(fromText: reveal.mask))
        let samples = try job.db.metrics(jobId: job.id).first { $0.round == 0 && $0.name == "samples" }
        XCTAssertEqual(samples?.value, Double(300 + mask.filter { $0 }.count))
        let metrics = try job.db.metrics(jobId: job.id).filter { $0.stage == "canary_audit" }
        XCTAssertEqual(metrics.first { $0.name == "canary_epsilon_lower_bound" }?.value, reveal.epsilonLowerBound)
        XCTAssertEqual(metrics.first { $0.name == "canary_epsilon_lower_bound" }?.round, 3)

        // Every canary carries a wrong label, and the recorded images are the last 200 of MNIST's.
        let canaries = try job.db.canaryScores(jobId: job.id)
        XCTAssertEqual(canaries.map(\.imageIndex), Array(59_800..<60_000))
        XCTAssertTrue(canaries.allSatisfy { $0.label != $0.trueLabel && (0...9).contains($0.label) })

        let report = try JobAuditor(database: job.db).audit(jobId: job.id, reproduce: false)
        let finding = try XCTUnwrap(report.findings.first { $0.check == "empirical_privacy" })
        XCTAssertTrue(finding.passed, finding.evidence)
        XCTAssertTrue(report.passed, "\(report.findings.filter { !$0.passed })")
        try assertReportShows(reveal, canaries: 200, job: job, wording: "Differential privacy is off")
    }

    /// DP-SGD at ε = 3 (example-level, one client = central): ε_LB stays below the accountant's ε
    /// and the audit passes.
    func testWithDPAtEpsilonThreeTheLowerBoundStaysBelowThree() throws {
        let privacy = "privacy: { differential_privacy: true, epsilon: 3, delta: 1e-5, max_grad_norm: 1.0 }"
        let job = try runCanaryJob(canaryJobManifest(name: "canary-dp", seed: 5, privacy: privacy, epochs: 4))
        let reveal = try XCTUnwrap(try job.db.canaryAudit(jobId: job.id)?.reveal)
        let accounted = try XCTUnwrap(reveal.epsilonAccounted)
        XCTAssertLessThanOrEqual(accounted, 3 * (1 + 1e-9))
        XCTAssertGreaterThan(accounted, 2.5)
        XCTAssertLessThan(reveal.epsilonLowerBound, 3)
        XCTAssertEqual(reveal.delta, 1e-5)
        XCTAssertEqual(reveal.accountant, "rdp")
        let report = try JobAuditor(database: job.db).audit(jobId: job.id, reproduce: false)
        XCTAssertTrue(report.passed, "\(report.findings.filter { !$0.passed })")
        XCTAssertTrue(report.findings.contains { $0.check == "empirical_privacy" && $0.evidence.contains("≤ ε accounted") })
        try assertReportShows(reveal, canaries: 200, job: job, wording: "consistent with the privacy accountant")
    }

    /// Under `features: scatter` the canaries train as scattering features (they join the data
    /// before the transform), and they must be scored the same way: each recorded score is minus
    /// the cross-entropy of the final model on the canary's features, which this test computes
    /// itself from the transform and the model's own loss. A DP job's ε_LB stays below its ε.
    func testScatterFeatureCanariesAreScoredOnTheirFeaturesAndStayWithinTheDPBound() throws {
        let privacy = "privacy: { differential_privacy: true, epsilon: 3, delta: 1e-5, max_grad_norm: 0.1 }"
        let text = canaryJobManifest(name: "canary-scatter", seed: 5, privacy: privacy, canaries: 100, epochs: 4)
            .replacingOccurrences(of: "  architecture: mlp", with: "  architecture: linear\n  features: scatter")
        let job = try runCanaryJob(text)
        let reveal = try XCTUnwrap(try job.db.canaryAudit(jobId: job.id)?.reveal)
        XCTAssertLessThan(reveal.epsilonLowerBound, try XCTUnwrap(reveal.epsilonAccounted))
        let report = try JobAuditor(database: job.db).audit(jobId: job.id, reproduce: false)
        XCTAssertTrue(report.passed, "\(report.findings.filter { !$0.passed })")

        // The scoring path on its own: features from the transform, the loss from the model.
        let manifest = try ManifestReader().parse(text, file: "canary-scatter")
        let mnist = try MNIST.load(directory: repositoryMNIST)
        let canaries = CanarySet.draw(try XCTUnwrap(manifest.audit), pool: mnist.train, streams: RandomStreams(seed: 8))
        let architecture = PreparedJob.architecture(of: manifest.model)
        var generator = RandomStreams(seed: 9).generator("init")
        let parameters = Model(architecture: architecture, generator: &generator).parameters
        let features = ScatteringTransform(imageSide: 28, scales: Architecture.scatteringScales, orientations: Architecture.scatteringOrientations)
            .features(of: canaries.examples, threads: 1)
        XCTAssertEqual(features.width, architecture.inputSize)
        let losses = GradientEngine(architecture: architecture, threads: 1, batchCapacity: features.count)
            .logitsAndLosses(parameters: parameters, images: features.pixels, labels: features.labels).losses
        XCTAssertEqual(canaries.scores(parameters: parameters, architecture: architecture, manifest: manifest), losses.map { -$0 })
    }

    /// `privfed report`'s HTML states the recorded outcome: the exact numbers in its data
    /// attributes, the verdict in words; the JSON export carries the same values.
    func assertReportShows(_ reveal: CanaryReveal, canaries: Int, job: (db: ResultsDatabase, id: Int64), wording: String,
                           file: StaticString = #filePath, line: UInt = #line) throws {
        let report = try JobReport.load(database: job.db, jobId: job.id)
        let html = HTMLReportRenderer().render(report)
        func attribute(_ name: String) -> String? {
            guard let start = html.range(of: "data-\(name)=\"") else { return nil }
            return String(html[start.upperBound...].prefix { $0 != "\"" })
        }
        XCTAssertTrue(html.contains("<h2>Empirical privacy audit</h2>"), file: file, line: line)
        XCTAssertEqual(attribute("canaries").flatMap(Int.init), canaries, file: file, line: line)
        XCTAssertEqual(attribute("included").flatMap(Int.init), reveal.mask.filter { $0 == "1" }.count, file: file, line: line)
        XCTAssertEqual(attribute("guesses").flatMap(Int.init), reveal.guesses, file: file, line: line)
        XCTAssertEqual(attribute("correct").flatMap(Int.init), reveal.correct, file: file, line: line)
        XCTAssertEqual(attribute("epsilon-lower-bound").flatMap(Double.init), reveal.epsilonLowerBound, file: file, line: line)
        XCTAssertEqual(attribute("epsilon-accounted").flatMap(Double.init), reveal.epsilonAccounted, file: file, line: line)
        XCTAssertTrue(html.contains(wording), "the verdict in words", file: file, line: line)
        let exported = try ReportExport.decodeJSON(try ReportExport.json(report))
        XCTAssertEqual(exported.empiricalAudit, report.empiricalAudit, file: file, line: line)
        // The score histogram counts every canary once, in its own series.
        let histogram = try XCTUnwrap(report.chart("canary_scores"), file: file, line: line)
        let included = reveal.mask.filter { $0 == "1" }.count
        XCTAssertEqual(histogram.series.map(\.name), ["included", "excluded"], file: file, line: line)
        XCTAssertEqual(histogram.series[0].points.map(\.y).reduce(0, +), Double(included), file: file, line: line)
        XCTAssertEqual(histogram.series[1].points.map(\.y).reduce(0, +), Double(canaries - included), file: file, line: line)
        XCTAssertTrue(html.contains("data-chart=\"canary_scores\""), file: file, line: line)
    }

    /// With the job's escrowed secrets (the auditor's root holds the mask), `--reproduce`
    /// re-derives the mask, labels, scores and ε_LB bit for bit.
    func testCanaryAuditReproducesFromTheEscrowedSecrets() throws {
        let job = try runCanaryJob(canaryJobManifest(name: "canary-replay", seed: 11, canaries: 40, epochs: 1))
        let report = try JobAuditor(database: job.db).audit(jobId: job.id, reproduce: true)
        XCTAssertTrue(report.passed, "\(report.findings.filter { !$0.passed })")
    }
}
