import Foundation

/// A row of `canary_audits`: the commitment to a job's canaries (written before training) and,
/// once revealed, the mask, the salt and the outcome of the one-run audit's guessing game.
public struct CanaryAuditRecord: Codable, Sendable, Equatable {
    public var canaries: Int
    /// The guess budgets r tried, as registered before training.
    public var guessTotals: [Int]
    public var confidence: Double
    /// SHA-256 hex of the canonical canary encoding followed by the salt.
    public var commitment: String
    public var committedAt: String
    public var reveal: CanaryReveal?

    public init(canaries: Int, guessTotals: [Int], confidence: Double, commitment: String, committedAt: String,
                reveal: CanaryReveal? = nil) {
        self.canaries = canaries; self.guessTotals = guessTotals; self.confidence = confidence
        self.commitment = commitment; self.committedAt = committedAt; self.reveal = reveal
    }
}

/// What is written after the last round: the opening of the commitment and the audit's outcome.
public struct CanaryReveal: Codable, Sendable, Equatable {
    /// One "1" (included) or "0" per canary, in canary order.
    public var mask: String
    /// The commitment's salt, hex.
    public var salt: String
    public var revealedAt: String
    /// δ of the bound (the job's δ under DP, 0 without).
    public var delta: Double
    public var guesses: Int
    public var guessedIncluded: Int
    public var guessedExcluded: Int
    public var correct: Int
    public var epsilonLowerBound: Double
    /// The accountant's ε (the largest spend of any party); nil when the job has no DP.
    public var epsilonAccounted: Double?
    public var accountant: String?

    public init(mask: String, salt: String, revealedAt: String, delta: Double, guesses: Int, guessedIncluded: Int,
                guessedExcluded: Int, correct: Int, epsilonLowerBound: Double, epsilonAccounted: Double?, accountant: String?) {
        self.mask = mask; self.salt = salt; self.revealedAt = revealedAt; self.delta = delta; self.guesses = guesses
        self.guessedIncluded = guessedIncluded; self.guessedExcluded = guessedExcluded; self.correct = correct
        self.epsilonLowerBound = epsilonLowerBound; self.epsilonAccounted = epsilonAccounted; self.accountant = accountant
    }
}

/// A row of `canary_scores`: one canary, its MNIST image, its labels and its final score.
public struct CanaryScoreRecord: Codable, Sendable, Equatable {
    public var canary: Int
    public var imageIndex: Int
    public var trueLabel: Int
    public var label: Int
    public var score: Double

    public init(canary: Int, imageIndex: Int, trueLabel: Int, label: Int, score: Double) {
        self.canary = canary; self.imageIndex = imageIndex; self.trueLabel = trueLabel; self.label = label; self.score = score
    }
}

extension ResultsDatabase {
    /// Records the commitment to a job's canaries inside `db`'s transaction — the runner's set-up
    /// commit (round 0), so a job that has a checkpoint to resume from always has its commitment too.
    public static func writeCanaryCommitment(_ record: CanaryAuditRecord, jobId: Int64, db: any SQLSession) throws {
        try db.execute(sql: """
            INSERT INTO canary_audits (job_id, canaries, guess_totals, confidence, commitment, committed_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [jobId, record.canaries, "[" + record.guessTotals.map(String.init).joined(separator: ",") + "]",
                             record.confidence, record.commitment, record.committedAt])
    }

    /// Opens the commitment and records the audit's outcome, every canary's score and the
    /// outcome's metrics (filed under `stageRun`'s round and stage), in one transaction.
    public func revealCanaries(jobId: Int64, _ reveal: CanaryReveal, scores: [CanaryScoreRecord], metrics: [MetricRecord],
                               stageRun: StageRunRecord) throws {
        try engine.write { db in
            let opened = try db.execute(sql: """
                UPDATE canary_audits SET mask = ?, salt = ?, revealed_at = ?, delta = ?, guesses = ?, guessed_included = ?,
                    guessed_excluded = ?, correct = ?, epsilon_lower_bound = ?, epsilon_accounted = ?, accountant = ?
                WHERE job_id = ?
                """, arguments: [reveal.mask, reveal.salt, reveal.revealedAt, reveal.delta, reveal.guesses, reveal.guessedIncluded,
                                 reveal.guessedExcluded, reveal.correct, reveal.epsilonLowerBound, reveal.epsilonAccounted,
                                 reveal.accountant, jobId])
            guard opened == 1 else { throw ResultsStoreError.sql(message: "job \(jobId) has no canary commitment to open") }
            let insert = """
                INSERT INTO canary_scores (job_id, canary, image_index, true_label, label, score) VALUES (?, ?, ?, ?, ?, ?)
                """
            for s in scores {
                try db.execute(sql: insert, arguments: [jobId, s.canary, s.imageIndex, s.trueLabel, s.label, s.score])
            }
            var batch = RoundRecordBatch(round: stageRun.round, selectedClients: [], startedAt: stageRun.startedAt, finishedAt: "")
            batch.stageRuns = [stageRun]
            batch.metrics = metrics
            try Self.insertRecords(of: batch, jobId: jobId, db: db)
        }
    }

    /// A job's canary audit, or nil when it has none.
    public func canaryAudit(jobId: Int64) throws -> CanaryAuditRecord? {
        try engine.read { db in
            guard let r = try SQLRow.fetchOne(db, sql: "SELECT * FROM canary_audits WHERE job_id = ?", arguments: [jobId]) else { return nil }
            let totals = (r["guess_totals"] as String).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            var record = CanaryAuditRecord(canaries: r["canaries"], guessTotals: totals, confidence: r["confidence"],
                                           commitment: r["commitment"], committedAt: r["committed_at"])
            if let mask: String = r["mask"] {
                record.reveal = CanaryReveal(mask: mask, salt: r["salt"], revealedAt: r["revealed_at"], delta: r["delta"],
                                             guesses: r["guesses"], guessedIncluded: r["guessed_included"],
                                             guessedExcluded: r["guessed_excluded"], correct: r["correct"],
                                             epsilonLowerBound: r["epsilon_lower_bound"], epsilonAccounted: r["epsilon_accounted"],
                                             accountant: r["accountant"])
            }
            return record
        }
    }

    /// A job's canaries in canary order (empty before the reveal).
    public func canaryScores(jobId: Int64) throws -> [CanaryScoreRecord] {
        try engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM canary_scores WHERE job_id = ? ORDER BY canary", arguments: [jobId]).map {
                CanaryScoreRecord(canary: $0["canary"], imageIndex: $0["image_index"], trueLabel: $0["true_label"],
                                  label: $0["label"], score: $0["score"])
            }
        }
    }
}
