import Foundation
import ResultsStore

/// The report's charts (five, and the canary histogram for a job with canaries), each built from
/// the recorded rows it plots and nothing else.
enum ReportCharts {
    /// Test-set accuracy or loss of the global model after each round (stage `evaluate`).
    static func evaluation(_ metrics: [MetricRecord], name: String) -> ReportChart {
        let points = metrics.filter { $0.stage == "evaluate" && $0.client == nil && $0.name == name }
            .sorted { $0.round < $1.round }
            .map { ChartPoint(x: .number(Double($0.round)), y: $0.value) }
        let isAccuracy = name == "accuracy"
        return ReportChart(id: name, title: isAccuracy ? "Test accuracy per round" : "Test loss per round", kind: .line,
                           xLabel: "round", yLabel: isAccuracy ? "accuracy (fraction correct)" : "loss (nats, mean cross-entropy)",
                           series: [ChartSeries(name: name, points: points)], yDomain: isAccuracy ? 0...1 : nil,
                           emptyNote: "No round was evaluated, so there is no \(name) to plot.")
    }

    /// ε spent so far by each party after each round it released in, under the accountant that
    /// enforces the budget, against the budget.
    static func epsilon(_ rows: [LedgerRow], privacy: PrivacyStatement) -> ReportChart {
        var order: [String] = []
        var points: [String: [ChartPoint]] = [:]
        for row in rows where row.entry.decision == "released" {
            let e = row.entry
            if points[e.party] == nil { order.append(e.party) }
            points[e.party, default: []].append(ChartPoint(x: .number(Double(e.round)), y: e.enforcedEpsilonSpent))
        }
        let budget = privacy.budgetEpsilon.map { [ReferenceLine(label: "budget ε = \(PrivacyStatement.number($0))", y: $0)] } ?? []
        return ReportChart(id: "epsilon", title: "Privacy spent (ε) per party per round, against the budget", kind: .line,
                           xLabel: "round", yLabel: "ε spent so far (\(privacy.accountant ?? "accountant"))",
                           series: order.sorted(by: partyPrecedes).map { ChartSeries(name: $0, points: points[$0]!) },
                           interpolation: .step, referenceLines: budget,
                           emptyNote: privacy.differentialPrivacy
                               ? "No release has been recorded in the privacy ledger yet."
                               : "Differential privacy is off for this job: no privacy budget is spent or tracked.")
    }

    /// Wall-clock time per stage, summed over rounds and clients (from `stage_runs`).
    static func stageTime(_ runs: [StageRunRecord]) -> ReportChart {
        var order: [String] = []
        var total: [String: Double] = [:]
        for run in runs {
            if total[run.stage] == nil { order.append(run.stage) }
            total[run.stage, default: 0] += run.durationMs
        }
        return ReportChart(id: "stage_time", title: "Time per stage (all rounds and clients)", kind: .bar, xLabel: "stage",
                           yLabel: "milliseconds", series: [ChartSeries(name: "duration_ms", points: order.map {
                               ChartPoint(x: .category($0), y: total[$0]!)
                           })], emptyNote: "No stage has run yet.")
    }

    /// Bytes sent and received per stage, summed over rounds and clients (metrics `bytes_sent`, `bytes_received`).
    static func stageBytes(_ metrics: [MetricRecord]) -> ReportChart {
        var order: [String] = []
        var sums: [String: [String: Double]] = [:]
        for m in metrics where m.name == "bytes_sent" || m.name == "bytes_received" {
            if !order.contains(m.stage) { order.append(m.stage) }
            sums[m.name, default: [:]][m.stage, default: 0] += m.value
        }
        let series = ["bytes_sent", "bytes_received"].compactMap { name -> ChartSeries? in
            guard let byStage = sums[name] else { return nil }
            return ChartSeries(name: name, points: order.compactMap { stage in byStage[stage].map { ChartPoint(x: .category(stage), y: $0) } })
        }
        return ReportChart(id: "stage_bytes", title: "Bytes per stage (all rounds and clients)", kind: .bar, xLabel: "stage",
                           yLabel: "bytes", series: series, emptyNote: "No stage recorded bytes sent or received.")
    }
}

extension ReportCharts {
    /// How many score bins the canary histogram uses.
    static let canaryBins = 12

    /// The one-run audit at a glance: how the final model scored the canaries it trained on
    /// against those it never saw (equal-width bins of −loss; included canaries far to the right
    /// of excluded ones are memorised, which is what ε_LB measures). Nil before the reveal.
    static func canaryScores(_ scores: [CanaryScoreRecord], mask: String?) -> ReportChart? {
        guard let mask, mask.count == scores.count, !scores.isEmpty else { return nil }
        let included = mask.map { $0 == "1" }
        let values = scores.map(\.score)
        let low = values.min()!, high = values.max()!
        let width = high > low ? (high - low) / Double(canaryBins) : 1
        var counts = [[Double]](repeating: [Double](repeating: 0, count: canaryBins), count: 2)
        for (score, isIn) in zip(values, included) {
            let bin = min(canaryBins - 1, Int((score - low) / width))
            counts[isIn ? 0 : 1][bin] += 1
        }
        let labels = (0..<canaryBins).map { String(format: "%.3g", low + (Double($0) + 0.5) * width) }
        let series = [("included", counts[0]), ("excluded", counts[1])].map { name, column in
            ChartSeries(name: name, points: zip(labels, column).map { ChartPoint(x: .category($0), y: $1) })
        }
        return ReportChart(id: "canary_scores", title: "Canary scores: trained-on against left-out canaries", kind: .bar,
                           xLabel: "score (−loss of the final model on the canary's label), bin centre", yLabel: "canaries",
                           series: series, emptyNote: "The canaries have not been revealed yet.")
    }
}

/// Parties in natural order: client/2 before client/10.
func partyPrecedes(_ a: String, _ b: String) -> Bool {
    a.compare(b, options: .numeric) == .orderedAscending
}
