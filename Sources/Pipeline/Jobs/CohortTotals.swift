import ResultsStore

/// What the aggregator records of a per-client stage when the round's cohort is private.
///
/// Under client-level DP the cohort is Poisson: each client joins a round on its own coin
/// (`PoissonSelectClientsStage`), and the amplification by subsampling that the accountant
/// credits holds only against an observer who does not learn who joined (McMahan et al. 2018,
/// DP-FedAvg; the privacy statement names that observer). A record per client and stage would
/// publish the cohort in the results database, so the aggregator keeps its size only: one stage
/// run without a client, lasting the sum of the clients' runs, and each metric summed over the
/// cohort (every aggregator-visible per-client metric is a byte count or a count). Per-client
/// statistics stay in the clients' own local records as always.
struct CohortTotals {
    private(set) var durationMs = 0.0
    private(set) var clients = 0
    private var order: [String] = []
    private var totals: [String: (value: Double, unit: String)] = [:]

    mutating func add(durationMs: Double, metrics: [MetricRecord]) {
        self.durationMs += durationMs
        clients += 1
        for m in metrics {
            if let t = totals[m.name] {
                precondition(t.unit == m.unit, "metric \(m.name) reported in \(t.unit) and \(m.unit)")
                totals[m.name] = (t.value + m.value, t.unit)
            } else {
                order.append(m.name)
                totals[m.name] = (m.value, m.unit)
            }
        }
    }

    /// The cohort's one stage run and its summed metrics; nil when no client ran the stage.
    func records(round: Int, stage: StageName, startedAt: String) -> (run: StageRunRecord, metrics: [MetricRecord])? {
        guard clients > 0 else { return nil }
        let run = StageRunRecord(round: round, stage: stage.rawValue, client: nil, startedAt: startedAt, durationMs: durationMs, succeeded: true)
        let metrics = order.map { name in
            MetricRecord(round: round, stage: stage.rawValue, client: nil, name: name, value: totals[name]!.value, unit: totals[name]!.unit)
        }
        return (run, metrics)
    }
}
