import DifferentialPrivacy
import Pipeline
import ResultsStore

/// The `ledger_plan` check: every ledger row's q, σ, steps, C and δ (and its budget, unit and
/// accountant) are the ones the job's privacy plan gives, the plan derived again from the
/// recorded manifest and the recorded partition (`PrivacyPlan.make`, the code the runner used).
///
/// `epsilon_recomputed` only shows that the ledger agrees with itself: a ledger rewritten to
/// claim σ = 100 where 0.1 was used, with ε recomputed for σ = 100 and the hash chain rebuilt,
/// passes it. The plan is what the noise was drawn with, so such a row fails here, named — in
/// every mode, secure included, since the plan needs neither the seed nor any secret.
struct LedgerPlanAudit {
    let database: ResultsDatabase

    func finding(job: JobRecord, manifest: JobManifest, rows: [LedgerRow]) throws -> AuditFinding {
        let jobId = job.id!
        let shards = try database.partition(jobId: jobId)
        if manifest.privacy.unit == .example && shards == nil {
            return rows.isEmpty ? AuditFinding("ledger_plan", true, "no releases: the job has not set up its partition yet")
                : AuditFinding("ledger_plan", false, "the ledger has \(rows.count) rows but job \(jobId) recorded no partition: the per-client plan cannot be derived")
        }
        let plan: PrivacyPlan
        do {
            plan = try PrivacyPlan.make(manifest, shardSizes: (shards ?? []).map(\.count))
        } catch {
            return AuditFinding("ledger_plan", false, "the recorded manifest and partition give no privacy plan: \(error)")
        }
        var problems: [String] = []
        for row in rows {
            let e = row.entry
            let name = "row \(row.id) (round \(e.round), \(e.party))"
            guard let party = plan.parties[e.party] else {
                problems.append("\(name): \(e.party) has no privacy plan (it releases nothing under unit \(plan.unit.rawValue))")
                continue
            }
            var wrong: [String] = []
            func compare(_ label: String, _ recorded: Double, _ planned: Double) {
                if PrivacyRecomputation.differs(recorded, planned) { wrong.append("\(label) = \(recorded) where the plan gives \(planned)") }
            }
            compare("q", e.samplingRate, party.samplingRate)
            compare("σ", e.noiseMultiplier, plan.noiseMultiplier)
            if e.steps != party.stepsPerRound { wrong.append("steps = \(e.steps) where the plan gives \(party.stepsPerRound)") }
            compare("C", e.maxGradNorm, plan.maxGradNorm)
            compare("δ", e.delta, plan.delta)
            compare("budget ε", e.budgetEpsilon, plan.budget)
            if e.unit != plan.unit.rawValue { wrong.append("unit \(e.unit) where the plan's is \(plan.unit.rawValue)") }
            if e.accountant != plan.accountant.recordedName {
                wrong.append("accountant \(e.accountant) where the plan's is \(plan.accountant.recordedName)")
            }
            if !wrong.isEmpty { problems.append("\(name): " + wrong.joined(separator: ", ")) }
        }
        let origin = plan.calibrated ? "calibrated to the budget" : "the manifest's noise_multiplier"
        return problems.isEmpty
            ? AuditFinding("ledger_plan", true, "all \(rows.count) ledger rows carry the plan's parameters, derived from the recorded manifest and partition: σ = \(plan.noiseMultiplier) (\(origin)), C = \(plan.maxGradNorm), δ = \(plan.delta), q and steps per party")
            : AuditFinding("ledger_plan", false, problems.prefix(5).joined(separator: "; ") + (problems.count > 5 ? " (and \(problems.count - 5) more)" : ""))
    }
}
