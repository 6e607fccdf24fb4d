import Foundation

/// Renders a `JobReport` as one self-contained HTML page: inline CSS (with a print stylesheet),
/// inline SVG charts, no script and no reference to anything outside the file, so it opens the
/// same offline, in an archive, or printed. Every string from the database is escaped.
public struct HTMLReportRenderer: Sendable {
    public var charts = SVGChartRenderer()

    public init() {}

    public func render(_ report: JobReport) -> String {
        let e = HTMLEscaping.escape
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="\(e(report.generatedBy))">
        <title>privfed report — job \(report.job.id): \(e(report.job.name))</title>
        <style>\(Self.css)</style>
        </head>
        <body>
        <header>
        <p class="kicker">privfed job report</p>
        <h1>Job \(report.job.id): \(e(report.job.name))</h1>
        <p class="status status-\(e(report.job.status))">\(e(report.job.status.replacingOccurrences(of: "_", with: " ")))</p>
        </header>

        """
        html += section("Job", jobTable(report.job))
        html += section("Privacy statement", privacyMarkup(report.privacy))
        if let empirical = report.empiricalAudit {
            html += section("Empirical privacy audit", empiricalMarkup(empirical))
        }
        var chartMarkup = ""
        for chart in report.charts {
            chartMarkup += "<figure class=\"chart-figure\" id=\"figure-\(e(chart.id))\"><figcaption>\(e(chart.title))</figcaption>"
            chartMarkup += chart.isEmpty ? "<p class=\"empty\">\(e(chart.emptyNote))</p>" : charts.render(chart)
            chartMarkup += "</figure>\n"
        }
        html += section("Charts", chartMarkup)
        html += section("Latest audit", auditMarkup(report.audit, jobId: report.job.id))
        html += section("Manifest", "<p class=\"note\">As submitted, from <code>\(e(report.job.manifestPath))</code> (SHA-256 <code>\(e(report.job.manifestSha256))</code>).</p>"
                        + "<pre class=\"manifest\">\(e(report.manifest))</pre>")
        html += "<footer>Generated \(e(report.generatedAt)) by \(e(report.generatedBy)) from the results database. "
            + "This file is self-contained: it loads nothing from the network.</footer>\n</body>\n</html>\n"
        return html
    }

    func section(_ title: String, _ body: String) -> String {
        let id = title.lowercased().replacingOccurrences(of: " ", with: "-")
        return "<section id=\"\(id)\">\n<h2>\(HTMLEscaping.escape(title))</h2>\n\(body)\n</section>\n"
    }

    func jobTable(_ job: JobReport.Header) -> String {
        let e = HTMLEscaping.escape
        var rows: [(String, String)] = [
            ("Name", e(job.name)), ("Status", e(job.status)),
            ("Rounds", "\(job.roundsCompleted) of \(job.roundsPlanned) completed"),
            ("Created", e(job.createdAt)), ("Started", e(job.startedAt ?? "—")), ("Finished", e(job.finishedAt ?? "—")),
            ("Code version", "<code>\(e(job.codeVersion))</code>"), ("Seed", "\(job.seed)"),
            ("Randomness", e(job.randomness) + (job.randomness == "reproducible"
                ? " — the seed keys only public choices (partition, initialisation, selection); every private draw came from its "
                  + "party's own secret root, escrowed in a secrets file outside the database. Only the holder of that file can "
                  + "re-execute the job bit for bit (privfed audit --reproduce)"
                : " — every party's secret root came from the operating system and was never stored; nobody can replay the job, "
                  + "and an audit checks the records, not the bytes")),
        ]
        if let error = job.error { rows.insert(("Error", e(error)), at: 2) }
        return "<table class=\"facts\">" + rows.map { "<tr><th scope=\"row\">\($0.0)</th><td>\($0.1)</td></tr>" }.joined() + "</table>"
    }

    func privacyMarkup(_ p: PrivacyStatement) -> String {
        let e = HTMLEscaping.escape
        var s = "<div class=\"statement \(p.differentialPrivacy ? "dp-on" : "dp-off")\">"
        s += p.paragraphs.map { "<p>\(e($0))</p>" }.joined()
        s += "</div>"
        guard p.differentialPrivacy else { return s }
        let unitWords = p.unit == "client" ? "one client's entire dataset" : p.unit == "example" ? "one training example (an image and its label)" : (p.unit ?? "—")
        let facts: [(String, String, String?)] = [
            ("ε (epsilon) budget", p.budgetEpsilon.map(PrivacyStatement.number) ?? "—", p.budgetEpsilon.map { "data-budget=\"\($0)\"" }),
            ("δ (delta)", p.delta.map(PrivacyStatement.number) ?? "—", p.delta.map { "data-delta=\"\($0)\"" }),
            ("Unit of privacy", unitWords, nil),
            ("Neighbouring datasets", p.neighbouring == "add_remove_one"
                ? "two datasets are neighbours when one is the other with \(unitWords) added or removed" : (p.neighbouring ?? "—"), nil),
            ("Sampling", p.sampling.map { $0 == "poisson" ? "Poisson subsampling: each one takes part in a step by its own coin" : $0 } ?? "—", nil),
            ("Accountant", PrivacyStatement.accountantName(p.accountant) + (p.accountantVersion.map { " (\($0))" } ?? ""), nil),
            ("Ledger", p.ledgerChain, nil),
        ]
        s += "<table class=\"facts\">" + facts.map { "<tr><th scope=\"row\">\(e($0.0))</th><td\($0.2.map { " " + $0 } ?? "")>\(e($0.1))</td></tr>" }.joined() + "</table>"
        if !p.parties.isEmpty {
            s += "<table class=\"grid\"><thead><tr><th>Party</th><th>Rounds released</th><th>ε spent (RDP)</th><th>ε spent (PLD)</th>"
                + "<th>Budget</th><th>Left (\(e(p.accountant ?? "enforced")))</th><th>Used</th><th>Status</th></tr></thead><tbody>"
            for party in p.parties {
                let used = party.budget > 0 ? (party.budget - party.remaining) / party.budget : 0
                /// Rounded to four significant digits; the exact value rides along in a data attribute.
                func cell(_ x: Double?, _ name: String) -> String {
                    guard let x else { return "<td class=\"num\">—</td>" }
                    return "<td class=\"num\" data-\(name)=\"\(x)\">\(e(ReportNumber.text(x)))</td>"
                }
                s += "<tr data-party=\"\(e(party.party))\"><td>\(e(party.party))</td><td class=\"num\">\(party.rounds)</td>"
                    + cell(party.epsilonSpent, "epsilon-spent") + cell(party.epsilonSpentPLD, "epsilon-spent-pld")
                    + cell(party.budget, "budget") + cell(party.remaining, "remaining")
                    + "<td class=\"used\"><span class=\"meter\"><span style=\"width: \(String(format: "%.1f", min(100, max(0, 100 * used))))%\"></span></span> \(e(PrivacyStatement.percent(used)))</td>"
                    + "<td>\(party.blocked ? "blocked (budget reached)" : "ok")</td></tr>"
            }
            s += "</tbody></table>"
        }
        return s
    }

    /// The canary audit: its sentences, then its numbers (`data-` attributes carry them exactly,
    /// for tools and tests that read the page back).
    func empiricalMarkup(_ a: EmpiricalAuditStatement) -> String {
        let e = HTMLEscaping.escape
        let tone = a.contradictsAccountant ? "dp-off" : "dp-on"
        var s = "<div class=\"statement \(tone)\">" + a.paragraphs.map { "<p>\(e($0))</p>" }.joined() + "</div>"
        var rows: [String] = []
        /// One row; `data` names the attribute that carries `exact` (the unrounded value).
        func fact(_ label: String, _ shown: String, data: String? = nil, exact: String? = nil) {
            let attribute = data.flatMap { name in exact.map { " data-\(name)=\"\(e($0))\"" } } ?? ""
            rows.append("<tr><th scope=\"row\">\(e(label))</th><td\(attribute)>\(e(shown))</td></tr>")
        }
        let included = a.canariesIncluded.map(String.init), guesses = a.guesses.map(String.init), correct = a.correct.map(String.init)
        let lower = a.epsilonLowerBound, accounted = a.epsilonAccounted
        fact("Canaries", "\(a.canaries)", data: "canaries", exact: "\(a.canaries)")
        fact("Included in training", included ?? "— (not revealed yet)", data: "included", exact: included)
        fact("Guesses made", guesses ?? "—", data: "guesses", exact: guesses)
        fact("Correct guesses", correct ?? "—", data: "correct", exact: correct)
        fact("Confidence", PrivacyStatement.number(a.confidence * 100) + "%")
        fact("δ of the bound", a.delta.map(PrivacyStatement.number) ?? "—")
        fact("ε lower bound (measured)", lower.map(PrivacyStatement.number) ?? "—",
             data: "epsilon-lower-bound", exact: lower.map { "\($0)" })
        fact("ε accounted (proved)", accounted.map(PrivacyStatement.number) ?? "— (no differential privacy)",
             data: "epsilon-accounted", exact: accounted.map { "\($0)" })
        fact("Commitment (SHA-256)", a.commitment)
        s += "<table class=\"facts empirical\">" + rows.joined() + "</table>"
        return s
    }

    func auditMarkup(_ audit: JobReport.AuditSummary?, jobId: Int64) -> String {
        let e = HTMLEscaping.escape
        guard let audit else {
            return "<p class=\"empty\">Not audited yet — run <code>privfed audit \(jobId)</code>"
                + " (add <code>--reproduce</code> to re-execute the job and compare it bit for bit).</p>"
        }
        var s = "<p class=\"verdict \(audit.passed ? "pass" : "fail")\">\(audit.passed ? "Passed" : "FAILED"): audited \(e(audit.createdAt))"
            + " with privfed <code>\(e(audit.codeVersion))</code>, "
            + (audit.reproduced ? "including a bit-for-bit re-execution." : "without re-execution (records checked only).") + "</p>"
        s += "<table class=\"grid findings\"><thead><tr><th>Check</th><th>Result</th><th>Evidence</th></tr></thead><tbody>"
        for f in audit.findings {
            s += "<tr class=\"\(f.passed ? "pass" : "fail")\"><td><code>\(e(f.check))</code></td><td>\(f.passed ? "pass" : "FAIL")</td><td>\(e(f.evidence))</td></tr>"
        }
        return s + "</tbody></table>"
    }

    static let css = """

    :root { color-scheme: light; }
    body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif;
           color: #1d1d1f; background: #fff; max-width: 980px; margin: 0 auto; padding: 24px 32px 48px; line-height: 1.5; }
    h1 { font-size: 1.7em; margin: 0.1em 0 0.2em; overflow-wrap: anywhere; }
    h2 { font-size: 1.25em; border-bottom: 2px solid #e3e3e3; padding-bottom: 4px; margin-top: 1.8em; }
    .kicker { text-transform: uppercase; letter-spacing: 0.08em; color: #666; font-size: 0.8em; margin: 0; }
    .status { display: inline-block; padding: 2px 10px; border-radius: 10px; font-weight: 600; background: #eee; margin: 0; }
    .status-succeeded { background: #e3f4e1; color: #1e6b1e; }
    .status-failed, .status-budget_exhausted, .status-cancelled { background: #fbe3e1; color: #8c1c13; }
    code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 0.9em; }
    pre.manifest { background: #f6f8fa; border: 1px solid #e3e3e3; padding: 12px 16px; overflow-x: auto; white-space: pre-wrap;
                   overflow-wrap: anywhere; }
    table { border-collapse: collapse; margin: 0.8em 0; }
    table.facts th { text-align: left; padding: 3px 16px 3px 0; color: #555; font-weight: 600; vertical-align: top; white-space: nowrap; }
    table.facts td { padding: 3px 0; overflow-wrap: anywhere; }
    table.grid { width: 100%; font-size: 0.92em; }
    table.grid th, table.grid td { border-bottom: 1px solid #e3e3e3; padding: 4px 8px; text-align: left; vertical-align: top; }
    table.grid thead th { background: #f6f8fa; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    td.used { white-space: nowrap; }
    .meter { display: inline-block; width: 60px; height: 8px; background: #eee; border-radius: 4px; vertical-align: middle; overflow: hidden; }
    .meter > span { display: block; height: 100%; background: #4e79a7; }
    .statement { border-left: 4px solid #4e79a7; background: #f4f7fb; padding: 4px 16px; }
    .statement.dp-off { border-left-color: #c0392b; background: #fdf3f2; }
    figure.chart-figure { margin: 1.2em 0 1.8em; }
    figcaption { font-weight: 600; margin-bottom: 4px; }
    svg.chart { width: 100%; height: auto; display: block; font-size: 12px; }
    svg.chart text { fill: #333; font-family: inherit; }
    svg.chart .axis-label { font-weight: 600; fill: #555; }
    svg.chart .bar-value { font-size: 10px; fill: #555; }
    .empty { color: #666; font-style: italic; }
    .verdict { font-weight: 600; }
    .verdict.pass, tr.pass td:nth-child(2) { color: #1e6b1e; }
    .verdict.fail, tr.fail td:nth-child(2) { color: #8c1c13; font-weight: 600; }
    .note { color: #555; font-size: 0.9em; }
    footer { margin-top: 3em; color: #777; font-size: 0.85em; border-top: 1px solid #e3e3e3; padding-top: 8px; }
    @page { size: A4; margin: 14mm; }
    @media print {
      body { max-width: none; padding: 0; font-size: 10pt; }
      h2 { break-after: avoid; page-break-after: avoid; }
      figure.chart-figure, table.facts, .statement, tr { break-inside: avoid; page-break-inside: avoid; }
      svg.chart { max-height: 95mm; }
      pre.manifest { white-space: pre-wrap; }
      .meter, .meter > span, .status, .statement { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    }

    """
}
