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
        let clips = try adaptiveClips(plan: plan, jobId: jobId, through: rows.map(\.entry.round).max() ?? 0)
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
            if plan.adaptiveClipping == nil {
                compare("C", e.maxGradNorm, plan.maxGradNorm)
            } else if let clip = clips[e.round] {
                compare("C", e.maxGradNorm, clip)
            } else {
                wrong.append("C = \(e.maxGradNorm) but round \(e.round - 1) recorded no \(StageMetric.unclippedFractionName) to derive the round's adaptive clip from")
            }
            compare("δ", e.delta, plan.delta)
            compare("budget ε", e.budgetEpsilon, plan.budget)
            if e.unit != plan.unit.rawValue { wrong.append("unit \(e.unit) where the plan's is \(plan.unit.rawValue)") }
            if e.accountant != plan.accountant.recordedName {
                wrong.append("accountant \(e.accountant) where the plan's is \(plan.accountant.recordedName)")
            }
            if !wrong.isEmpty { problems.append("\(name): " + wrong.joined(separator: ", ")) }
        }
        let adaptive = plan.adaptiveClipping == nil ? "" : " (adaptive clipping: C_1 = \(plan.maxGradNorm), each later C re-derived from the previous round's released count)"
        let origin = plan.calibrated ? "calibrated to the budget" : "the manifest's noise_multiplier"
        return problems.isEmpty
            ? AuditFinding("ledger_plan", true, "all \(rows.count) ledger rows carry the plan's parameters, derived from the recorded manifest and partition: σ = \(plan.noiseMultiplier) (\(origin)), C = \(plan.maxGradNorm)\(adaptive), δ = \(plan.delta), q and steps per party")
            : AuditFinding("ledger_plan", false, problems.prefix(5).joined(separator: "; ") + (problems.count > 5 ? " (and \(problems.count - 5) more)" : ""))
    }

    /// Adaptive clipping's C_t for rounds 1…`through`, derived as the runner derives it:
    /// C_1 = max_grad_norm, C_{t+1} = `AdaptiveClipping.nextClip` of C_t and round t's recorded
    /// noisy fraction. A round without its fraction ends the chain. Empty without adaptive clipping.
    private func adaptiveClips(plan: PrivacyPlan, jobId: Int64, through last: Int) throws -> [Int: Double] {
        guard let adaptive = plan.adaptiveClipping, last >= 1 else { return [:] }
        var fractions: [Int: Double] = [:]
        for m in try database.metrics(jobId: jobId)
        where m.client == nil && m.stage == StageName.aggregate.rawValue && m.name == StageMetric.unclippedFractionName {
            fractions[m.round] = m.value
        }
        var clips = [1: plan.maxGradNorm]
        var clip = plan.maxGradNorm
        for round in stride(from: 1, to: last, by: 1) {
            guard let fraction = fractions[round] else { break }
            clip = adaptive.nextClip(after: clip, unclippedFraction: fraction)
            clips[round + 1] = clip
        }
        return clips
    }
}
