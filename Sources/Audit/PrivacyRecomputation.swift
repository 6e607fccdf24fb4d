import DifferentialPrivacy
import Pipeline
import ResultsStore

/// Recomputes ε from the ledger's own parameters — each released row's q, σ and steps, composed
/// per party in order — under both accountants, and compares with what was recorded; then
/// checks that no release took a party past the budget under the enforcing accountant.
enum PrivacyRecomputation {
    /// Recorded and recomputed ε must agree to this relative tolerance (the same code gives equal
    /// bits; the tolerance admits a different libm).
    static let tolerance = 1e-9

    /// `a` and `b` differ by more than `tolerance`, relative to the larger.
    static func differs(_ a: Double, _ b: Double) -> Bool { abs(a - b) > tolerance * max(abs(a), abs(b), 1e-12) }

    static func findings(rows: [LedgerRow], privacy: PrivacySettings) -> [AuditFinding] {
        var histories: [String: PrivacySpend] = [:]
        var mismatches: [String] = []
        var overBudget: [String] = []
        var cache: [String: Double] = [:]
        var worst = 0.0
        func epsilon(_ spend: PrivacySpend, _ delta: Double, _ kind: AccountantKind) throws -> Double {
            let key = "\(kind)|\(delta)|" + spend.entries.map { "\($0.samplingRate),\($0.noiseMultiplier),\($0.steps)" }.joined(separator: ";")
            if let hit = cache[key] { return hit }
            let value = try spend.epsilon(delta: delta, accountant: kind).epsilon
            cache[key] = value
            return value
        }
        do {
            for row in rows where row.entry.decision == "released" {
                let e = row.entry
                var spend = histories[e.party] ?? PrivacySpend()
                try spend.record(samplingRate: e.samplingRate, noiseMultiplier: e.noiseMultiplier, steps: e.steps)
                histories[e.party] = spend
                let rdp = try epsilon(spend, e.delta, .rdp)
                if differs(rdp, e.epsilonSpentRDP) {
                    mismatches.append("row \(row.id) (round \(e.round), \(e.party)): recorded RDP ε \(e.epsilonSpentRDP), recomputed \(rdp)")
                }
                if let recorded = e.epsilonSpentPLD {
                    let pld = try epsilon(spend, e.delta, .pld)
                    if differs(pld, recorded) {
                        mismatches.append("row \(row.id) (round \(e.round), \(e.party)): recorded PLD ε \(recorded), recomputed \(pld)")
                    }
                }
                let kind = try AccountantKind(name: e.accountant)
                let enforced = try epsilon(spend, e.delta, kind)
                worst = max(worst, enforced)
                if enforced > e.budgetEpsilon * (1 + tolerance) {
                    overBudget.append("row \(row.id) (round \(e.round), \(e.party)) released at ε \(enforced) over the budget \(e.budgetEpsilon)")
                }
            }
        } catch {
            return [AuditFinding("epsilon_recomputed", false, "the ledger's parameters cannot be accounted: \(error)")]
        }
        let released = rows.filter { $0.entry.decision == "released" }
        let first = rows.first?.entry
        let statement = first.map {
            "unit of privacy: \($0.unit) (add/remove-one neighbours: \($0.neighbouring)); Poisson-subsampled Gaussian; δ = \($0.delta); budget enforced by \($0.accountant) (\($0.accountantVersion))"
        } ?? "no releases recorded"
        return [
            AuditFinding("epsilon_recomputed", mismatches.isEmpty, mismatches.isEmpty
                ? "ε recomputed from the ledger's own q, σ, steps and δ for \(released.count) releases of \(histories.count) parties equals the recorded ε under RDP and PLD (relative tolerance \(tolerance))"
                : mismatches.prefix(5).joined(separator: "; ")),
            AuditFinding("epsilon_within_budget", overBudget.isEmpty, overBudget.isEmpty
                ? "the largest spend of any party is ε = \(worst) within the budget ε = \(privacy.epsilon ?? 0); \(statement)"
                : overBudget.prefix(5).joined(separator: "; ")),
        ]
    }
}
