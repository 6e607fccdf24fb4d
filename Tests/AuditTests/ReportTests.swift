import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import GRDB
import XCTest
@testable import Audit
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// The report of small real jobs (1,000 MNIST training images, 2 rounds): its charts must show
/// the recorded numbers, it must load nothing from the network, and text from the database must
/// be escaped.
final class ReportTests: XCTestCase {
    static let hostileName = "<script>alert(1)</script>"

    func runJob(name: String, privacy: String) throws -> (ResultsDatabase, Int64) {
        let job = try runSmallAuditJob(name: "\"\(name)\"", seed: 13, extra: privacy)
        XCTAssertEqual(job.status, "succeeded")
        return (job.db, job.jobId)
    }

    func runDPJob() throws -> (ResultsDatabase, Int64) {
        try runJob(name: "dp-report", privacy: "privacy: {differential_privacy: true, epsilon: 3, delta: 1e-5, max_grad_norm: 1.0}")
    }

    /// One plotted point as the SVG states it.
    struct PlottedPoint: Hashable {
        var chart: String, series: String, x: String, y: Double
    }

    /// Parses every `<svg>` element of the page as XML (which also proves each is well-formed) and
    /// collects the data attributes of its markers and bars.
    final class SVGPointCollector: NSObject, XMLParserDelegate {
        var chart = ""
        var points: [PlottedPoint] = []
        var references: [String: Double] = [:]

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String]) {
            if name == "svg" { chart = attributes["data-chart"] ?? "" }
            if let series = attributes["data-series"], let x = attributes["data-x"], let y = attributes["data-y"].flatMap(Double.init) {
                // A line drawn for several identical series names them all.
                let members = attributes["data-members"].map { $0.split(separator: " ").map(String.init) } ?? [series]
                points += members.map { PlottedPoint(chart: chart, series: $0, x: x, y: y) }
            }
            if let label = attributes["data-reference"], let y = attributes["data-y"].flatMap(Double.init) { references[chart + "|" + label] = y }
        }
    }

    func plottedPoints(_ html: String, file: StaticString = #filePath, line: UInt = #line) -> SVGPointCollector {
        let collector = SVGPointCollector()
        var rest = html[...]
        var count = 0
        while let start = rest.range(of: "<svg"), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            let parser = XMLParser(data: Data(rest[start.lowerBound..<end.upperBound].utf8))
            parser.delegate = collector
            XCTAssertTrue(parser.parse(), "SVG \(count) is not well-formed XML: \(String(describing: parser.parserError))", file: file, line: line)
            rest = rest[end.upperBound...]
            count += 1
        }
        XCTAssertGreaterThan(count, 0, "no SVG in the report", file: file, line: line)
        return collector
    }

    func testAccuracyAndEpsilonChartsShowTheRecordedNumbers() throws {
        let (db, id) = try runDPJob()
        let html = HTMLReportRenderer().render(try JobReport.load(database: db, jobId: id))
        let svg = plottedPoints(html)

        let accuracy = try db.metrics(jobId: id).filter { $0.stage == "evaluate" && $0.name == "accuracy" && $0.client == nil }
        XCTAssertEqual(accuracy.count, 2)
        XCTAssertEqual(Set(svg.points.filter { $0.chart == "accuracy" }),
                       Set(accuracy.map { PlottedPoint(chart: "accuracy", series: "accuracy", x: String($0.round), y: $0.value) }))

        let loss = try db.metrics(jobId: id).filter { $0.stage == "evaluate" && $0.name == "loss" && $0.client == nil }
        XCTAssertEqual(Set(svg.points.filter { $0.chart == "loss" }),
                       Set(loss.map { PlottedPoint(chart: "loss", series: "loss", x: String($0.round), y: $0.value) }))

        let ledger = try db.ledger(jobId: id).filter { $0.entry.decision == "released" }
        XCTAssertEqual(ledger.count, 4, "2 clients per round × 2 rounds")
        XCTAssertEqual(Set(svg.points.filter { $0.chart == "epsilon" }),
                       Set(ledger.map { PlottedPoint(chart: "epsilon", series: $0.entry.party, x: String($0.entry.round), y: $0.entry.epsilonSpentRDP) }),
                       "the budget is enforced by RDP here, so the plotted ε is the RDP ε of each row")
        XCTAssertEqual(svg.references["epsilon|budget ε = 3"], 3)

        // Time per stage is the sum of the recorded durations, stage by stage.
        var durations: [String: Double] = [:]
        for run in try db.stageRuns(jobId: id) { durations[run.stage, default: 0] += run.durationMs }
        let timeBars = svg.points.filter { $0.chart == "stage_time" }
        XCTAssertEqual(timeBars.count, durations.count)
        for bar in timeBars { XCTAssertEqual(bar.y, durations[bar.x]!, accuracy: 1e-9 * max(1, bar.y)) }
    }

    func testDPStatementStatesBudgetUnitAndAccountant() throws {
        let (db, id) = try runDPJob()
        let report = try JobReport.load(database: db, jobId: id)
        XCTAssertTrue(report.privacy.differentialPrivacy)
        XCTAssertEqual(report.privacy.budgetEpsilon, 3)
        XCTAssertEqual(report.privacy.delta, 1e-5)
        XCTAssertEqual(report.privacy.unit, "example")
        XCTAssertEqual(report.privacy.accountant, "rdp")
        let spent = try db.ledger(jobId: id).map(\.entry.epsilonSpentRDP).max()!
        XCTAssertEqual(report.privacy.maxEpsilonSpent, spent)
        let text = report.privacy.paragraphs.joined(separator: " ")
        XCTAssertTrue(text.contains("neighbouring"), text)
        XCTAssertTrue(text.contains("ε = 3"), text)
        XCTAssertFalse(text.contains("No differential privacy guarantee"))
        XCTAssertEqual(Set(report.privacy.parties.map(\.party)), Set(try db.ledger(jobId: id).map(\.entry.party)))
    }

    func testReportLoadsNothingFromTheNetwork() throws {
        let (db, id) = try runDPJob()
        _ = try JobAuditor(database: db).audit(jobId: id, reproduce: false, baseDirectory: repositoryRoot.path)
        let html = HTMLReportRenderer().render(try JobReport.load(database: db, jobId: id))
        let lower = html.lowercased()
        XCTAssertFalse(lower.contains("<script"), "no script of any kind")
        XCTAssertFalse(lower.contains("http://") || lower.contains("https://"), "no absolute URL anywhere")
        let reference = try NSRegularExpression(pattern: #"(src|href|xlink:href|action|srcset)\s*="#, options: [.caseInsensitive])
        XCTAssertEqual(reference.numberOfMatches(in: html, range: NSRange(html.startIndex..., in: html)), 0, "no src= or href= at all")
        XCTAssertFalse(lower.contains("@import") || lower.contains("url("), "no stylesheet import or CSS url()")
        XCTAssertFalse(lower.contains("<link") || lower.contains("<img") || lower.contains("<iframe") || lower.contains("<object"))
        XCTAssertTrue(lower.contains("@media print"), "a print stylesheet")
    }

    func testHostileJobNameAndManifestAreEscapedAndNoDPIsSaidPlainly() throws {
        let (db, id) = try runJob(name: Self.hostileName, privacy: "")
        try db.engine.write { try $0.execute(sql: "UPDATE jobs SET error = ? WHERE id = ?", arguments: ["\"><img src=x onerror=alert(2)>", id]) }
        let report = try JobReport.load(database: db, jobId: id)
        XCTAssertEqual(report.job.name, Self.hostileName)
        let html = HTMLReportRenderer().render(report)
        XCTAssertFalse(html.contains(Self.hostileName), "the raw name never reaches the page")
        XCTAssertFalse(html.contains("<img"), "an error message cannot inject markup either")
        XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssertFalse(html.lowercased().contains("<script"))
        XCTAssertTrue(html.contains("No differential privacy guarantee is claimed for this job."))
        XCTAssertTrue(html.contains("Not audited yet — run <code>privfed audit \(id)</code>"))
        XCTAssertNil(report.chart("epsilon")?.series.first, "no ε series without DP")
        _ = plottedPoints(html)
    }

    func testLatestAuditFindingsAreShown() throws {
        let (db, id) = try runDPJob()
        let auditor = JobAuditor(database: db)
        try db.engine.write {   // an older, failing audit
            try $0.execute(sql: """
                INSERT INTO audits (job_id, created_at, code_version, reproduced, passed, findings_json)
                VALUES (?, '2026-01-01T00:00:00Z', 'old', 0, 0, '[{"check":"old_check","passed":false,"evidence":"old evidence"}]')
                """, arguments: [id])
        }
        let latest = try auditor.audit(jobId: id, reproduce: false, baseDirectory: repositoryRoot.path)
        let report = try JobReport.load(database: db, jobId: id)
        XCTAssertEqual(report.audit?.findings, latest.findings, "the latest audit, not the first")
        XCTAssertEqual(report.audit?.passed, latest.passed)
        let html = HTMLReportRenderer().render(report)
        for finding in latest.findings { XCTAssertTrue(html.contains(HTMLEscaping.escape(finding.evidence)), finding.check) }
        XCTAssertFalse(html.contains("old evidence"))
    }

    func testJSONAndCSVExportTheSameNumbers() throws {
        let (db, id) = try runDPJob()
        let report = try JobReport.load(database: db, jobId: id)

        let decoded = try ReportExport.decodeJSON(try ReportFormat.json.render(report))
        XCTAssertEqual(decoded.charts, report.charts)
        XCTAssertEqual(decoded.privacy.parties, report.privacy.parties)
        XCTAssertEqual(decoded.manifest, report.manifest)
        XCTAssertEqual(decoded.job.name, report.job.name)

        let csv = String(decoding: try ReportFormat.csv.render(report), as: UTF8.self)
        var lines = csv.components(separatedBy: "\r\n")
        XCTAssertEqual(lines.removeFirst(), "chart,series,x,y")
        XCTAssertEqual(lines.removeLast(), "", "the last row ends with CRLF")
        let parsed = lines.map { line -> PlottedPoint in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return PlottedPoint(chart: f[0], series: f[1], x: f[2], y: Double(f[3])!)
        }
        let expected = report.charts.flatMap { c in c.series.flatMap { s in s.points.map { PlottedPoint(chart: c.id, series: s.name, x: $0.x.description, y: $0.y) } } }
        XCTAssertEqual(parsed, expected)
        let ledger = try db.ledger(jobId: id)
        XCTAssertEqual(parsed.filter { $0.chart == "epsilon" }.count, ledger.count)
        XCTAssertEqual(ReportExport.csvField("a,\"b\""), "\"a,\"\"b\"\"\"")
    }

    func testAtomicWriteReplacesTheWholeFileAndLeavesNoTemporaryFile() throws {
        let dir = try scratchDirectory(prefix: "atomic")
        let path = dir + "/report.html"
        try AtomicFileWriter.write(Data(repeating: 65, count: 100_000), to: path)
        try AtomicFileWriter.write(Data("short".utf8), to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "short")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["report.html"])
        XCTAssertThrowsError(try AtomicFileWriter.write(Data("x".utf8), to: dir + "/missing/report.html")) { error in
            // The message names the file asked for, not the temporary file.
            XCTAssertTrue("\(error)".hasPrefix("cannot write \(dir)/missing/report.html: No such file or directory"), "\(error)")
        }
    }

    func testChartAxisUsesNiceStepsThatCoverTheData() {
        let accuracy = ChartAxis(covering: 0, 0.93)
        XCTAssertEqual(accuracy.step, 0.2, accuracy: 1e-12)
        XCTAssertEqual(accuracy.lower, 0)
        XCTAssertEqual(accuracy.upper, 1, accuracy: 1e-12)
        XCTAssertEqual(accuracy.ticks.map(accuracy.label), ["0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let bytes = ChartAxis(covering: 0, 1_234_567)
        XCTAssertEqual(bytes.step, 500_000)
        XCTAssertEqual(bytes.ticks.map(bytes.label), ["0", "0.5M", "1.0M", "1.5M"])
        let rounds = ChartAxis(covering: 1, 2, count: 10, integral: true)
        XCTAssertEqual(rounds.ticks, [1, 2])
        let single = ChartAxis(covering: 5, 5, integral: true)
        XCTAssertEqual(single.ticks, [4, 5, 6])
        XCTAssertEqual(HTMLEscaping.escape("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;")
    }
}
