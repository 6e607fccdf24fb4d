import DifferentialPrivacy
import ResultsStore

/// Each party's privacy history during a job, and the gate every noisy release passes through.
///
/// A release is decided before the noisy output leaves the party: the history with the release
/// added is accounted; within budget, the release is `released` and recorded; over budget, it is
/// `blocked`, and the job stops with status `budget_exhausted`. Either way the decision is a
/// ledger entry. ε is reported under both accountants (RDP and PLD); the manifest's accountant
/// is the one that enforces the budget.
public struct PrivacyBook: Sendable {
    public let plan: PrivacyPlan
    public private(set) var spends: [String: PrivacySpend] = [:]
    /// Results keyed by (q, σ, total steps): parties with the same shape share them.
    private var cache: [String: (rdp: Double, pld: Double)] = [:]

    public init(plan: PrivacyPlan) { self.plan = plan }

    /// ε under both accountants of `steps` releases at rate q with the plan's σ.
    mutating func epsilons(samplingRate q: Double, steps: Int) throws -> (rdp: Double, pld: Double) {
        let key = "\(q)|\(plan.noiseMultiplier)|\(steps)"
        if let hit = cache[key] { return hit }
        let spend = PrivacySpend(entries: [try SubsampledGaussianSteps(samplingRate: q, noiseMultiplier: plan.noiseMultiplier, steps: steps)])
        let result = (try spend.epsilon(delta: plan.delta, accountant: .rdp).epsilon,
                      try spend.epsilon(delta: plan.delta, accountant: .pld).epsilon)
        cache[key] = result
        return result
    }

    /// Decides `party`'s release in `round`. Returns the ledger entry; `released` tells whether
    /// the noisy output may leave the party. `clipNorm` is the round's C where it is not the
    /// plan's (adaptive clipping); the accounting does not depend on it.
    public mutating func decide(party: String, round: Int, clipNorm: Double? = nil) throws -> (entry: LedgerEntry, released: Bool) {
        guard let shape = plan.parties[party] else { preconditionFailure("\(party) has no privacy plan") }
        let previous = spends[party] ?? PrivacySpend()
        let total = previous.totalSteps + shape.stepsPerRound
        let after = try epsilons(samplingRate: shape.samplingRate, steps: total)
        let alone = try epsilons(samplingRate: shape.samplingRate, steps: shape.stepsPerRound)
        let enforced = plan.accountant == .rdp ? after.rdp : after.pld
        let released = enforced <= plan.budget * (1 + 1e-9)
        let spentBefore = previous.totalSteps == 0 ? (rdp: 0.0, pld: 0.0)
            : try epsilons(samplingRate: shape.samplingRate, steps: previous.totalSteps)
        if released {
            var updated = previous
            try updated.record(samplingRate: shape.samplingRate, noiseMultiplier: plan.noiseMultiplier, steps: shape.stepsPerRound)
            spends[party] = updated
        }
        let entry = LedgerEntry(
            round: round, party: party, unit: plan.unit.rawValue, samplingRate: shape.samplingRate,
            noiseMultiplier: plan.noiseMultiplier, steps: shape.stepsPerRound, maxGradNorm: clipNorm ?? plan.maxGradNorm, delta: plan.delta,
            epsilonRound: plan.accountant == .rdp ? alone.rdp : alone.pld,
            epsilonSpentRDP: released ? after.rdp : spentBefore.rdp,
            epsilonSpentPLD: released ? after.pld : spentBefore.pld,
            budgetEpsilon: plan.budget, decision: released ? "released" : "blocked",
            accountant: plan.accountant.recordedName, accountantVersion: plan.accountant.recordedVersion)
        return (entry, released)
    }
}
