import Logging
import Randomness

/// Which of a round's selected clients drop out (simulated) before their input reaches the sum:
/// either ⌊rate·n⌉ drawn uniformly (`dropout_rate`, stream `round/R/secure-aggregation/dropouts`)
/// or the clients the manifest names for the round (`dropouts: { R: [c, …] }`).
///
/// A named client that is not selected in its round cannot drop from it: it is skipped with a
/// logged warning and counted in the `named_dropouts_not_selected` metric, not an error —
/// selection is random (and Poisson under client-level DP), so a manifest cannot know it in
/// advance, and in secure randomness mode an error would fail jobs unpredictably.
public struct RoundDropouts: Sendable, Equatable {
    public let round: Int
    /// The round's selected clients, ascending.
    public let selected: [Int]
    public let dropped: Set<Int>
    /// Named clients of this round that were not selected.
    public let namedButNotSelected: [Int]

    public var survivors: [Int] { selected.filter { !dropped.contains($0) } }

    static let logger = Logger(label: "privfed.secure-aggregation")

    /// The round's dropouts from the manifest's `dropouts` or `dropout_rate`.
    public static func plan(round: Int, selected: [Int], privacy: PrivacySettings, streams: RandomStreams) -> RoundDropouts {
        let clients = selected.sorted()
        if let named = privacy.dropouts {
            let names = named[round] ?? []
            let absent = names.filter { !clients.contains($0) }.sorted()
            if !absent.isEmpty {
                logger.warning("round \(round): named dropouts \(absent) are not among the selected clients \(clients); skipped")
            }
            return RoundDropouts(round: round, selected: clients, dropped: Set(names).intersection(clients), namedButNotSelected: absent)
        }
        let n = clients.count
        let dropCount = min(n, Int(((privacy.dropoutRate ?? 0) * Double(n)).rounded()))
        var generator = streams.generator("round/\(round)/secure-aggregation/dropouts")
        var pool = clients
        for i in 0..<dropCount { pool.swapAt(i, i + Int(generator.nextBelow(UInt64(n - i)))) }
        return RoundDropouts(round: round, selected: clients, dropped: Set(pool.prefix(dropCount)), namedButNotSelected: [])
    }

    /// The error of a round that cannot complete because fewer than `threshold` clients remain:
    /// names the round, the survivors, the dropped clients and t, after `reason` (the protocol's
    /// own message, when it has one).
    public func tooFewSurvivors(stage: StageName, threshold: Int, reason: String? = nil) -> PipelineError {
        let detail = "round \(round): \(survivors.count) of \(selected.count) selected clients remain (survivors \(survivors), "
            + "dropped \(dropped.sorted())), fewer than the \(threshold) the round needs"
        return .stage(stage.rawValue, reason.map { "\($0) — \(detail)" } ?? detail)
    }

    /// `named_dropouts_not_selected`, when clients were named but not selected (recorded by the
    /// stage's `plan`).
    var warningMetrics: [StageMetric] {
        namedButNotSelected.isEmpty ? [] : [StageMetric("named_dropouts_not_selected", Double(namedButNotSelected.count), "count")]
    }
}
