import Foundation

/// One release of privacy-relevant output: what a party spent in one round, under which
/// mechanism and accounting assumptions — the facts NIST SP 800-226 asks a DP report to state
/// (unit of privacy, neighbouring relation, ε, δ, accounting method).
public struct LedgerEntry: Codable, Sendable, Equatable {
    public var round: Int
    public var party: String
    public var mechanism: String
    public var unit: String
    public var neighbouring: String
    public var sampling: String
    public var samplingRate: Double
    public var noiseMultiplier: Double
    public var steps: Int
    public var maxGradNorm: Double
    public var delta: Double
    public var epsilonRound: Double
    public var epsilonSpentRDP: Double
    public var epsilonSpentPLD: Double?
    public var budgetEpsilon: Double
    public var decision: String
    public var accountant: String
    public var accountantVersion: String
    /// SHA-256 (lowercase hex) of the exact bytes released — float32 values, little-endian, as
    /// `Digest.sha256Hex(floats:)` hashes them — filled in by the stage that produces the
    /// release before the runner commits the row. With it a re-executed release that differs
    /// from the recorded one is caught (`commitRelease(reuseRecorded:)`). nil on rows written
    /// before migration 0008 and on releases whose bytes do not exist yet when their spend must
    /// be committed (client-level DP with secure aggregation: see `SecureSum.plan`).
    public var outputSha256: String?

    public init(round: Int, party: String, mechanism: String = "subsampled_gaussian", unit: String,
                neighbouring: String = "add_remove_one", sampling: String = "poisson", samplingRate: Double,
                noiseMultiplier: Double, steps: Int, maxGradNorm: Double, delta: Double, epsilonRound: Double,
                epsilonSpentRDP: Double, epsilonSpentPLD: Double?, budgetEpsilon: Double, decision: String,
                accountant: String, accountantVersion: String, outputSha256: String? = nil) {
        self.round = round; self.party = party; self.mechanism = mechanism; self.unit = unit
        self.neighbouring = neighbouring; self.sampling = sampling; self.samplingRate = samplingRate
        self.noiseMultiplier = noiseMultiplier; self.steps = steps; self.maxGradNorm = maxGradNorm; self.delta = delta
        self.epsilonRound = epsilonRound; self.epsilonSpentRDP = epsilonSpentRDP; self.epsilonSpentPLD = epsilonSpentPLD
        self.budgetEpsilon = budgetEpsilon; self.decision = decision; self.accountant = accountant
        self.accountantVersion = accountantVersion; self.outputSha256 = outputSha256
    }

    /// The same decision without its output hash: what the privacy book alone can re-derive.
    public var withoutOutput: LedgerEntry {
        var copy = self
        copy.outputSha256 = nil
        return copy
    }

    /// ε spent so far under the accountant that enforces the budget.
    public var enforcedEpsilonSpent: Double {
        accountant == "rdp" ? epsilonSpentRDP : (epsilonSpentPLD ?? epsilonSpentRDP)
    }

    /// The text the hash chain covers: `key=value` lines in a fixed order. Integers in decimal,
    /// reals in Swift's shortest round-trip form (the same digits as Python's repr), absent values
    /// as `null`. Any change to a recorded value changes this text and so the row's hash.
    /// `output_sha256` is the last line and only present when the row has one: rows written
    /// before migration 0008 keep the text, and so the hash, they were chained with.
    public func canonicalText(jobId: Int64, createdAt: String) -> String {
        func real(_ x: Double?) -> String { x.map { "\($0)" } ?? "null" }
        let lines = [
            "job_id=\(jobId)", "round=\(round)", "party=\(party)", "mechanism=\(mechanism)", "unit=\(unit)",
            "neighbouring=\(neighbouring)", "sampling=\(sampling)", "sampling_rate=\(real(samplingRate))",
            "noise_multiplier=\(real(noiseMultiplier))", "steps=\(steps)", "max_grad_norm=\(real(maxGradNorm))",
            "delta=\(real(delta))", "epsilon_round=\(real(epsilonRound))", "epsilon_spent_rdp=\(real(epsilonSpentRDP))",
            "epsilon_spent_pld=\(real(epsilonSpentPLD))", "budget_epsilon=\(real(budgetEpsilon))", "decision=\(decision)",
            "accountant=\(accountant)", "accountant_version=\(accountantVersion)", "created_at=\(createdAt)",
        ]
        return (lines + (outputSha256.map { ["output_sha256=\($0)"] } ?? [])).joined(separator: "\n")
    }
}

/// A stored ledger row: the entry plus its place in the chain.
public struct LedgerRow: Codable, Sendable, Equatable {
    public var id: Int64
    public var jobId: Int64
    public var entry: LedgerEntry
    public var createdAt: String
    public var prevHash: String
    public var rowHash: String
}

/// What a walk along a job's chain found.
public enum LedgerChainFinding: Sendable, Equatable, CustomStringConvertible {
    case intact(rows: Int)
    /// Row `id`'s stored hash is not the hash of its content: the row was edited.
    case alteredRow(id: Int64, round: Int, party: String)
    /// Row `id` does not chain from the row before it: a row was deleted or inserted before it.
    case brokenLink(id: Int64, round: Int, party: String)

    public var isIntact: Bool { if case .intact = self { return true } else { return false } }

    public var description: String {
        switch self {
        case .intact(let n): return "hash chain intact over \(n) rows"
        case .alteredRow(let id, let round, let party):
            return "ledger row \(id) (round \(round), \(party)) was altered: its content no longer hashes to its row_hash"
        case .brokenLink(let id, let round, let party):
            return "ledger row \(id) (round \(round), \(party)) does not chain from the previous row: a row was deleted or inserted before it"
        }
    }
}

/// The append-only, hash-chained privacy ledger.
extension ResultsDatabase {
    /// The hash the first row of a job chains from, binding the chain to the job and its manifest.
    public static func ledgerGenesis(jobId: Int64, manifestSha256: String) -> String {
        Digest.sha256Hex("privfed.ledger.v1\n\(jobId)\n\(manifestSha256)")
    }

    static func chainHash(previous: String, canonical: String) -> String {
        Digest.sha256Hex(previous + "\n" + canonical)
    }

    /// Appends entries to a job's chain inside the caller's transaction (so a round's spend and
    /// its status are written together).
    public static func appendLedger(_ entries: [LedgerEntry], jobId: Int64, db: any SQLSession) throws {
        guard !entries.isEmpty else { return }
        var previous: String
        if let last = try String.fetchOne(db, sql: "SELECT row_hash FROM privacy_ledger WHERE job_id = ? ORDER BY id DESC LIMIT 1",
                                          arguments: [jobId]) {
            previous = last
        } else {
            guard let manifestHash = try String.fetchOne(db, sql: "SELECT manifest_sha256 FROM jobs WHERE id = ?", arguments: [jobId]) else {
                throw ResultsStoreError.jobNotFound(id: jobId)
            }
            previous = ledgerGenesis(jobId: jobId, manifestSha256: manifestHash)
        }
        let insert = """
            INSERT INTO privacy_ledger (job_id, round, party, mechanism, unit, neighbouring, sampling, sampling_rate, noise_multiplier,
                steps, max_grad_norm, delta, epsilon_round, epsilon_spent_rdp, epsilon_spent_pld, budget_epsilon, decision,
                accountant, accountant_version, created_at, prev_hash, row_hash, output_sha256)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        for e in entries {
            let createdAt = Timestamp.now()
            let hash = chainHash(previous: previous, canonical: e.canonicalText(jobId: jobId, createdAt: createdAt))
            try db.execute(sql: insert, arguments: [jobId, e.round, e.party, e.mechanism, e.unit, e.neighbouring, e.sampling, e.samplingRate,
                                           e.noiseMultiplier, e.steps, e.maxGradNorm, e.delta, e.epsilonRound, e.epsilonSpentRDP,
                                           e.epsilonSpentPLD, e.budgetEpsilon, e.decision, e.accountant, e.accountantVersion,
                                           createdAt, previous, hash, e.outputSha256])
            previous = hash
        }
    }

    /// Appends entries in a transaction of their own and signs the new head with the operator key.
    public func appendLedger(_ entries: [LedgerEntry], jobId: Int64) throws {
        try engine.write { db in try Self.appendSignedLedger(entries, jobId: jobId, key: self.signingKey(), db: db) }
    }

    /// A job's ledger rows in chain order.
    public func ledger(jobId: Int64) throws -> [LedgerRow] {
        try engine.read { db in try Self.ledgerRows(jobId: jobId, db: db) }
    }

    static func ledgerRows(jobId: Int64, db: any SQLSession) throws -> [LedgerRow] {
        try SQLRow.fetchAll(db, sql: "SELECT * FROM privacy_ledger WHERE job_id = ? ORDER BY id", arguments: [jobId]).map { r in
            let entry = LedgerEntry(round: r["round"], party: r["party"], mechanism: r["mechanism"], unit: r["unit"],
                                    neighbouring: r["neighbouring"], sampling: r["sampling"], samplingRate: r["sampling_rate"],
                                    noiseMultiplier: r["noise_multiplier"], steps: r["steps"], maxGradNorm: r["max_grad_norm"],
                                    delta: r["delta"], epsilonRound: r["epsilon_round"], epsilonSpentRDP: r["epsilon_spent_rdp"],
                                    epsilonSpentPLD: r["epsilon_spent_pld"], budgetEpsilon: r["budget_epsilon"],
                                    decision: r["decision"], accountant: r["accountant"], accountantVersion: r["accountant_version"],
                                    outputSha256: r["output_sha256"])
            return LedgerRow(id: r["id"], jobId: r["job_id"], entry: entry, createdAt: r["created_at"],
                             prevHash: r["prev_hash"], rowHash: r["row_hash"])
        }
    }

    /// Walks a job's chain from its genesis and names the first row that does not check out.
    /// A deleted final row leaves the chain intact: the caller also checks that every round and
    /// party has its row (`privfed audit` does).
    public func verifyLedgerChain(jobId: Int64) throws -> LedgerChainFinding {
        let job = try job(id: jobId)
        let rows = try ledger(jobId: jobId)
        var previous = Self.ledgerGenesis(jobId: jobId, manifestSha256: job.manifestSha256)
        for row in rows {
            if row.prevHash != previous {
                return .brokenLink(id: row.id, round: row.entry.round, party: row.entry.party)
            }
            let expected = Self.chainHash(previous: previous, canonical: row.entry.canonicalText(jobId: jobId, createdAt: row.createdAt))
            if expected != row.rowHash {
                return .alteredRow(id: row.id, round: row.entry.round, party: row.entry.party)
            }
            previous = row.rowHash
        }
        return .intact(rows: rows.count)
    }
}
