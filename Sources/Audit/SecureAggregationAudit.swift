import Foundation
import Pipeline
import ResultsStore

/// The `mpc_security` finding: the secure-aggregation settings each round actually ran with
/// (its `aggregate` and `decrypt` metrics) met the bounds that make the protocol hide single
/// updates from the aggregator.
///
/// - secagg / secagg_plus (Bonawitz et al. 2017; Bell et al. 2020): each client's mask keys are
///   Shamir-shared among its k neighbours and itself with threshold t. t must be an honest majority
///   of those k + 1 holders (2t > k + 1): otherwise two disjoint groups could each reconstruct a
///   different secret of the same client — its pairwise-mask key and its self mask — and unmask
///   its update. t ≤ k + 1, and a completed round had at least t survivors.
/// - additive: n-of-n sharing among M ≥ 2 share-holders, M as the manifest says (any M − 1 of them
///   see uniformly random values). With homomorphic encryption the M share-holders hold the
///   re-shared decryption key, so every decryption must combine exactly M shares.
/// - client-level DP with distributed noise: at least the m clients the noise was split for
///   reached the sum (`distributedNoiseFinding`).
struct SecureAggregationAudit {
    static let check = "mpc_security"

    /// The finding from the job's recorded `metrics`, or nil for a job without secure aggregation.
    func finding(job: JobRecord, manifest: JobManifest?, metrics: [MetricRecord]) -> AuditFinding? {
        guard let manifest, manifest.privacy.secureAggregation != .none else { return nil }
        let metrics = metrics.filter { $0.round >= 1 }
        var byRound: [Int: [String: Double]] = [:]
        var selected: [Int: Int] = [:]
        for m in metrics where m.client == nil && (m.stage == "aggregate" || m.stage == "decrypt") {
            byRound[m.round, default: [:]][m.stage + "/" + m.name] = m.value
        }
        for m in metrics where m.client == nil && m.stage == "select_clients" && m.name == "clients_selected" { selected[m.round] = Int(m.value) }
        // The clients' noise shares: `share` (secure aggregation) or `encrypt` (HE + MPC). Every
        // client of a round must have split its noise for the same m.
        var noiseParties: [Int: Set<Int>] = [:]
        for m in metrics where (m.stage == "share" || m.stage == "encrypt") && m.name == "noise_parties" {
            noiseParties[m.round, default: []].insert(Int(m.value))
        }
        // Client-level DP rounds whose Poisson cohort was empty ran no protocol: the aggregator
        // released its own noise alone (`empty_cohort_noise`). They are named, not checked as protocol rounds.
        let empty = Set(byRound.keys.filter { r in
            manifest.privacy.hidesCohort && selected[r] == 0
                && (byRound[r]!["aggregate/included_clients"] ?? byRound[r]!["aggregate/updates"] ?? 0) == 0
        })
        let rounds = byRound.keys.filter { !empty.contains($0) }.sorted()
        guard !rounds.isEmpty || job.roundsCompleted == empty.count else {
            return AuditFinding(Self.check, false, "\(job.roundsCompleted) rounds completed but none recorded its secure-aggregation metrics")
        }
        let scheme = manifest.privacy.secureAggregation
        var protocolFinding = scheme.usesThreshold
            ? maskingFinding(byRound, rounds: rounds, scheme: scheme.rawValue)
            : additiveFinding(byRound, rounds: rounds, manifest: manifest)
        if !empty.isEmpty {
            protocolFinding.evidence += "; round\(empty.count == 1 ? "" : "s") \(empty.sorted().map(String.init).joined(separator: ", ")) had an empty "
                + "Poisson cohort and released the aggregator's noise alone"
        }
        guard !noiseParties.isEmpty else { return protocolFinding }
        return combine(protocolFinding, distributedNoiseFinding(byRound, selected: selected, noiseParties: noiseParties, manifest: manifest))
    }

    /// The m a round of n selected clients guarantees, recomputed from the manifest apart from the
    /// pipeline (a deliberate repeat of `GuaranteedSurvivors`, so the audit does not trust the code
    /// it checks): SecAgg's recorded threshold t; else `threshold`, or n − ⌈r·n⌉ for the design
    /// dropout rate r.
    func guaranteedSurvivors(selected n: Int, recordedThreshold: Int?, manifest: JobManifest) -> Int {
        let p = manifest.privacy
        if p.secureAggregation.usesThreshold, let t = recordedThreshold { return t }
        if let t = p.threshold { return min(t, n) }
        let named = Double(p.dropouts?.values.map(\.count).max() ?? 0) / Double(max(manifest.federation.clientsPerRound, 1))
        let rate = p.dropoutRate ?? min(0.9, named)
        return max(1, n - Int((rate * Double(n)).rounded(.up)))
    }

    /// Client-level DP under secure aggregation or HE + MPC: each client adds N(0, σ²C²/m) so that
    /// any m shares sum to noise of σC, the σ the ledger accounts for. Two ways the release could
    /// carry less: m was not the number of survivors the round guarantees (sized for the dropouts
    /// that happened — knowledge no client has when it adds its noise — or simply too large), or
    /// fewer than m noisy inputs reached the sum.
    func distributedNoiseFinding(_ byRound: [Int: [String: Double]], selected: [Int: Int], noiseParties: [Int: Set<Int>],
                                 manifest: JobManifest) -> AuditFinding {
        var problems: [String] = [], least = Int.max
        for (round, split) in noiseParties.sorted(by: { $0.key < $1.key }) {
            guard split.count == 1, let m = split.first else {
                problems.append("round \(round): clients split their noise for different numbers of parties \(split.sorted())")
                continue
            }
            let recorded = byRound[round] ?? [:]
            if let n = selected[round] {
                let guaranteed = guaranteedSurvivors(selected: n, recordedThreshold: recorded["aggregate/threshold"].map(Int.init), manifest: manifest)
                if m != guaranteed {
                    problems.append("round \(round): noise was split for \(m) clients but the round guarantees \(guaranteed) of its \(n) "
                                    + "(the noise must be sized before anyone knows who drops)")
                }
            }
            guard let survivors = (recorded["aggregate/included_clients"] ?? recorded["aggregate/updates"]).map(Int.init) else { continue }
            if survivors < m {
                problems.append("round \(round): noise was split for \(m) clients but only \(survivors) inputs reached the sum, so the release "
                                + "carried less than the σC the ledger accounts for")
            }
            least = min(least, survivors - m)
        }
        guard problems.isEmpty else { return AuditFinding(Self.check, false, problems.joined(separator: "; ")) }
        return AuditFinding(Self.check, true, "distributed DP noise: in each of \(noiseParties.count) rounds at least the m clients "
                            + "the noise was split for reached the sum (smallest margin \(least == Int.max ? 0 : least)), so every release carried σC")
    }

    /// One finding from two: passed when both passed, the evidence of both (failures first).
    func combine(_ a: AuditFinding, _ b: AuditFinding) -> AuditFinding {
        let parts = [a, b].sorted { !$0.passed && $1.passed }.map(\.evidence)
        return AuditFinding(Self.check, a.passed && b.passed, parts.joined(separator: "; "))
    }

    func maskingFinding(_ byRound: [Int: [String: Double]], rounds: [Int], scheme: String) -> AuditFinding {
        var problems: [String] = [], settings: Set<String> = []
        for r in rounds {
            let m = byRound[r]!
            guard let t = m["aggregate/threshold"].map(Int.init), let k = m["aggregate/neighbors"].map(Int.init) else {
                problems.append("round \(r): no threshold or neighbour count recorded")
                continue
            }
            if 2 * t <= k + 1 { problems.append("round \(r): threshold t = \(t) is not a majority of the \(k + 1) holders of each client's key shares") }
            if t > k + 1 { problems.append("round \(r): threshold t = \(t) exceeds the \(k + 1) holders") }
            if let survivors = m["aggregate/included_clients"].map(Int.init), survivors < t {
                problems.append("round \(r): only \(survivors) survivors, below the threshold t = \(t), yet the round completed")
            }
            settings.insert("t = \(t) of k + 1 = \(k + 1)")
        }
        guard problems.isEmpty else { return AuditFinding(Self.check, false, problems.joined(separator: "; ")) }
        return AuditFinding(Self.check, true, "\(scheme) in \(rounds.count) rounds: \(settings.sorted().joined(separator: ", ")) holders of each "
                            + "client's Shamir-shared mask keys, an honest majority (2t > k + 1), and at least t survivors in every round")
    }

    func additiveFinding(_ byRound: [Int: [String: Double]], rounds: [Int], manifest: JobManifest) -> AuditFinding {
        let expected = manifest.privacy.effectiveShareHolders
        let encrypted = manifest.privacy.homomorphicEncryption
        let stage = encrypted ? "decrypt" : "aggregate"
        var problems: [String] = []
        for r in rounds {
            let m = byRound[r]!
            let holders = m.keys.filter { $0.hasPrefix(stage + "/holder_") && $0.hasSuffix("_bytes_received") }.count
            if holders != expected || holders < 2 {
                problems.append("round \(r): \(holders) share-holders took part, the manifest asks for \(expected) (at least 2)")
            }
            if encrypted, let shares = m["decrypt/decryption_shares"].map(Int.init), shares != expected {
                problems.append("round \(r): decrypted from \(shares) decryption shares, not the \(expected) share-holders' \(expected)")
            }
        }
        guard problems.isEmpty else { return AuditFinding(Self.check, false, problems.joined(separator: "; ")) }
        let what = encrypted
            ? "the decryption key re-shared n-of-n among \(expected) share-holders, every decryption combining all \(expected) shares"
            : "every update split n-of-n into additive shares for \(expected) share-holders"
        return AuditFinding(Self.check, true, "additive in \(rounds.count) rounds: \(what); any \(expected - 1) of them see only uniformly random values")
    }
}
