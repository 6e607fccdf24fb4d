/// A job's privacy position per party: what it has spent and what is left of its budget.
public struct PartySpend: Codable, Sendable, Equatable {
    public var party: String
    public var rounds: Int
    public var epsilonSpent: Double
    public var epsilonSpentPLD: Double?
    public var budget: Double
    public var remaining: Double
    public var blocked: Bool
}

/// The statement a DP report must make (NIST SP 800-226): unit, neighbouring relation, ε, δ,
/// accounting method — and the position of every party against the budget.
public struct LedgerSummary: Codable, Sendable {
    public var jobId: Int64
    public var unit: String?
    public var neighbouring: String?
    public var sampling: String?
    public var delta: Double?
    public var accountant: String?
    public var accountantVersion: String?
    public var budget: Double?
    public var parties: [PartySpend]
    public var chain: String

    public init(jobId: Int64, rows: [LedgerRow], chain: LedgerChainFinding) {
        self.jobId = jobId
        let first = rows.first?.entry
        unit = first?.unit
        neighbouring = first?.neighbouring
        sampling = first?.sampling
        delta = first?.delta
        accountant = first?.accountant
        accountantVersion = first?.accountantVersion
        budget = first?.budgetEpsilon
        var order: [String] = []
        var latest: [String: (rounds: Int, entry: LedgerEntry, blocked: Bool)] = [:]
        for row in rows {
            let e = row.entry
            if latest[e.party] == nil { order.append(e.party) }
            let prior = latest[e.party]
            latest[e.party] = ((prior?.rounds ?? 0) + (e.decision == "released" ? 1 : 0),
                               e.decision == "released" ? e : (prior?.entry ?? e),
                               (prior?.blocked ?? false) || e.decision == "blocked")
        }
        parties = order.map { party in
            let (rounds, e, blocked) = latest[party]!
            let spent = rounds == 0 ? 0 : e.epsilonSpentRDP
            let enforced = rounds == 0 ? 0 : e.enforcedEpsilonSpent
            return PartySpend(party: party, rounds: rounds, epsilonSpent: spent, epsilonSpentPLD: rounds == 0 ? nil : e.epsilonSpentPLD,
                              budget: e.budgetEpsilon, remaining: max(0, e.budgetEpsilon - enforced), blocked: blocked)
        }
        self.chain = chain.description
    }
}
