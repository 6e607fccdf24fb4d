import DifferentialPrivacy
import Learning
import ResultsStore

/// The two moments of the one-run audit in a job's life: the commitment before round 1 and,
/// after the last round, scoring, the guessing game, ε_LB and the reveal. The runner calls each
/// once; everything else about canaries lives in this folder.
extension CanarySet {
    /// The commitment to the canaries (and the pre-registered guess budgets), as the runner writes
    /// it in the set-up transaction before round 1.
    public var commitmentRecord: CanaryAuditRecord {
        CanaryAuditRecord(canaries: mask.count, guessTotals: guessTotals, confidence: Self.confidence,
                          commitment: commitment, committedAt: Timestamp.now())
    }

    /// The ε the canaries are compared with: the largest spend of any party on the ledger, under
    /// the enforcing accountant. Every canary sits in one party's data, so none is protected by
    /// less than this.
    public static func accountedEpsilon(_ ledger: [LedgerRow]) -> Double {
        ledger.filter { $0.entry.decision == "released" }.map(\.entry.enforcedEpsilonSpent).max() ?? 0
    }

    /// Each canary's membership score under `parameters`: minus the cross-entropy on its canary
    /// label (the paper's black-box score). A memorised wrong label has a small loss, so a high
    /// score points to "included". The canaries are scored as the model reads its inputs: their
    /// images, or under `features: scatter` their scattering features (`PreparedJob.features`,
    /// the transform the training data, canaries included, went through).
    public func scores(parameters: [Float], architecture: Architecture, manifest: JobManifest) -> [Double] {
        let chunk = 500
        let engine = GradientEngine(architecture: architecture, threads: 1, batchCapacity: chunk)
        let examples = PreparedJob.features(of: self.examples, manifest: manifest)
        let width = examples.width
        var scores: [Double] = []
        var start = 0
        while start < examples.count {
            let end = min(start + chunk, examples.count)
            let pixels = Array(examples.pixels[(start * width)..<(end * width)])
            scores += engine.logitsAndLosses(parameters: parameters, images: pixels, labels: Array(examples.labels[start..<end]))
                .losses.map { -$0 }
            start = end
        }
        return scores
    }

    /// Scores the canaries with the final model, plays the guessing game for every pre-registered
    /// budget, and records ε_LB next to the accountant's ε together with the opened commitment —
    /// metrics `canary_epsilon_lower_bound`, `canary_guesses`, `canary_correct`, `canaries_included`
    /// under stage `canary_audit` of the last round.
    ///
    /// δ of the bound: the job's δ when DP is on (so ε_LB and the accountant's ε are statements
    /// about the same δ); 0 without DP, where ε_LB is a lower bound on pure ε.
    @discardableResult
    public func reveal(finalParameters: [Float], job: PreparedJob, round: Int, database: ResultsDatabase,
                       jobId: Int64) throws -> CanaryReveal {
        let started = Timestamp.now()
        let clock = ContinuousClock.now
        let scores = scores(parameters: finalParameters, architecture: job.architecture, manifest: job.manifest)
        let delta = job.privacyPlan?.delta ?? 0
        let game = OneRunAudit.evaluate(scores: scores, mask: mask, guessTotals: guessTotals, delta: delta,
                                        confidence: Self.confidence)
        let ledger = try database.ledger(jobId: jobId)
        let accounted = job.privacyPlan.map { _ in Self.accountedEpsilon(ledger) }
        let best = game.best
        let reveal = CanaryReveal(mask: CanaryCommitment.maskText(mask), salt: CanaryCommitment.hex(salt), revealedAt: Timestamp.now(),
                                  delta: delta, guesses: best.guesses, guessedIncluded: best.guessedIncluded,
                                  guessedExcluded: best.guessedExcluded, correct: best.correct,
                                  epsilonLowerBound: best.epsilonLowerBound, epsilonAccounted: accounted,
                                  accountant: job.privacyPlan.map { _ in job.manifest.privacy.accountant.rawValue })
        let stage = "canary_audit"
        var metrics = [
            MetricRecord(round: round, stage: stage, client: nil, name: "canary_epsilon_lower_bound", value: best.epsilonLowerBound, unit: "epsilon"),
            MetricRecord(round: round, stage: stage, client: nil, name: "canary_guesses", value: Double(best.guesses), unit: "count"),
            MetricRecord(round: round, stage: stage, client: nil, name: "canary_correct", value: Double(best.correct), unit: "count"),
            MetricRecord(round: round, stage: stage, client: nil, name: "canaries_included", value: Double(mask.filter { $0 }.count), unit: "count"),
        ]
        if let accounted {
            metrics.append(MetricRecord(round: round, stage: stage, client: nil, name: "canary_epsilon_accounted", value: accounted, unit: "epsilon"))
        }
        let records = scores.indices.map {
            CanaryScoreRecord(canary: $0, imageIndex: imageIndices[$0], trueLabel: Int(trueLabels[$0]), label: Int(labels[$0]), score: scores[$0])
        }
        let run = StageRunRecord(round: round, stage: stage, client: nil, startedAt: started,
                                 durationMs: clock.duration(to: .now).milliseconds, succeeded: true)
        try database.revealCanaries(jobId: jobId, reveal, scores: records, metrics: metrics, stageRun: run)
        return reveal
    }
}
