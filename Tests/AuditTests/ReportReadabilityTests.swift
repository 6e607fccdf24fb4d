import Foundation
import XCTest
@testable import Audit
import TestSupport

/// The report reads as a person reads: rounded numbers (exact ones in data attributes), one line
/// for many clients that spent the same ε, and the accountant and neighbouring relation in words.
final class ReportReadabilityTests: XCTestCase {
    func testNumbersAreRoundedToFourSignificantDigits() {
        let cases: [(Double, String)] = [(2.997134, "2.997"), (0.968571, "0.9686"), (1e-5, "1e-5"), (3, "3"), (0.5, "0.5"),
                                         (12_345.6, "12346"), (0.000123456, "0.0001235"), (2.5e-7, "2.5e-7"), (-1.23456, "-1.235"),
                                         (0, "0"), (1_234_567, "1.235e6"), (9.99951, "10")]
        for (x, text) in cases { XCTAssertEqual(ReportNumber.text(x), text, "\(x)") }
    }

    func testClientsWithIdenticalSpendAreOneLabelledLine() {
        XCTAssertEqual(SeriesGroup.label(["client/0", "client/1", "client/2", "client/3", "client/4"]), "clients 0–4")
        XCTAssertEqual(SeriesGroup.label(["client/0", "client/1", "client/3", "client/7", "client/8"]), "clients 0–1, 3, 7–8")
        XCTAssertEqual(SeriesGroup.label(["client/2"]), "client/2")
        XCTAssertEqual(SeriesGroup.label(["aggregator", "client/1"]), "aggregator, client/1")

        let same = [ChartPoint(x: .number(1), y: 0.71), ChartPoint(x: .number(2), y: 1.02)]
        let other = [ChartPoint(x: .number(1), y: 0.9), ChartPoint(x: .number(2), y: 1.3)]
        let series = (0..<5).map { ChartSeries(name: "client/\($0)", points: same) } + [ChartSeries(name: "client/5", points: other)]
        let chart = ReportChart(id: "epsilon", title: "ε", kind: .line, xLabel: "round", yLabel: "ε", series: series, interpolation: .step,
                                referenceLines: [], emptyNote: "")
        let svg = SVGChartRenderer().render(chart)
        XCTAssertEqual(svg.components(separatedBy: "<g class=\"series\"").count - 1, 2, "two lines: the five identical clients and client 5")
        XCTAssertTrue(svg.contains(">clients 0–4</text>"), "the legend names the group")
        XCTAssertTrue(svg.contains("data-series=\"clients 0–4\" data-members=\"client/0 client/1 client/2 client/3 client/4\""), svg)
        XCTAssertTrue(svg.contains(">client/5</text>"))
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 4, "one marker per point of each drawn line")
    }

    func testPrivacyFactsAreInWordsAndThePartyTableKeepsExactValues() throws {
        let text = smallMNISTManifest(name: "words", seed: 3, clients: 2, trainExamples: 600, testExamples: 100, rounds: 2, clientsPerRound: 2,
                                      extra: "privacy: {differential_privacy: true, epsilon: 3, delta: 1e-5, noise_multiplier: 2.5}")
        let job = try runJobNow(text, prefix: "words")
        let report = try JobReport.load(database: job.db, jobId: job.summary.jobId)
        let html = HTMLReportRenderer().render(report)
        XCTAssertTrue(html.contains("Rényi differential privacy (RDP) accountant"), "the accountant in words")
        XCTAssertTrue(html.contains("two datasets are neighbours when one is the other with one training example (an image and its label) added or removed"))
        XCTAssertTrue(html.contains("<td data-delta=\"1e-05\">1e-5</td>"), "δ rounded, exact in the attribute")
        for party in report.privacy.parties {
            XCTAssertTrue(html.contains("data-epsilon-spent=\"\(party.epsilonSpent)\">\(ReportNumber.text(party.epsilonSpent))</td>"), party.party)
        }
        let spent = report.privacy.parties[0].epsilonSpent
        XCTAssertNotEqual(ReportNumber.text(spent), String(format: "%.4f", spent))
        XCTAssertFalse(html.contains(">" + String(format: "%.4f", spent) + "<"), "no five-digit decimals in the text")
    }
}
