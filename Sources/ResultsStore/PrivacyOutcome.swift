/// What a DP job's releases cost, in the terms a reader of `privfed run`, `run --json` and `show`
/// needs to judge the guarantee (NIST SP 800-226 asks every DP claim to state them): ε under each
/// accountant, δ, the noise multiplier σ, the unit of privacy and the budget. ε is the largest
/// spend of any party, since every party (each client under example-level DP) has its own budget.
public struct PrivacyOutcome: Codable, Sendable, Equatable {
    /// `example` (DP-SGD in each client) or `client` (DP-FedAvg).
    public var unit: String
    public var delta: Double
    /// The noise multipliers σ of the releases (one value unless a job mixes them).
    public var noiseMultipliers: [Double]
    /// The largest ε spent by any party under the RDP accountant.
    public var epsilonRDP: Double
    /// The same under the numerical (PLD) accountant; nil when it was not recorded.
    public var epsilonPLD: Double?
    /// The accountant that enforces the budget (`rdp` or `pld`).
    public var accountant: String
    public var budget: Double
    /// Parties with ledger rows.
    public var parties: Int

    /// The outcome of job `jobId`'s ledger, nil when it has no rows (no DP, or nothing released yet).
    public static func load(_ database: ResultsDatabase, jobId: Int64) throws -> PrivacyOutcome? {
        let rows = try database.ledger(jobId: jobId)
        guard let first = rows.first?.entry else { return nil }
        let summary = LedgerSummary(jobId: jobId, rows: rows, chain: .intact(rows: rows.count))
        var sigmas: [Double] = []
        for row in rows where !sigmas.contains(row.entry.noiseMultiplier) { sigmas.append(row.entry.noiseMultiplier) }
        let pld = summary.parties.compactMap(\.epsilonSpentPLD)
        return PrivacyOutcome(unit: first.unit, delta: first.delta, noiseMultipliers: sigmas,
                              epsilonRDP: summary.parties.map(\.epsilonSpent).max() ?? 0,
                              epsilonPLD: pld.isEmpty ? nil : pld.max(), accountant: first.accountant,
                              budget: first.budgetEpsilon, parties: summary.parties.count)
    }
}
