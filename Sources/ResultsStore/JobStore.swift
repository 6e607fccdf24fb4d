import Foundation

/// Job lifecycle and round records on a `ResultsDatabase`.
///
/// Every method is one transaction: a job's row and its rounds move from one consistent state to
/// the next, so a process killed at any point leaves the database as it was before the
/// transaction or after it, never between.
extension ResultsDatabase {
    /// Inserts a job and returns its id.
    public func insertJob(_ job: JobRecord) throws -> Int64 {
        try engine.write { db in
            try job.insert(db)
        }
    }

    /// Atomically takes the next job for `worker` — a running job whose lease expired first, then
    /// the oldest queued one (see `claimNext`).
    public func claimNextJob(worker: String, leaseSeconds: Double = defaultLeaseSeconds) throws -> JobRecord? {
        try claimNext(worker: worker, leaseSeconds: leaseSeconds)?.job
    }

    /// Marks a job running under `worker` (for `privfed run`, which executes at once).
    public func startJob(id: Int64, worker: String, leaseSeconds: Double = defaultLeaseSeconds) throws {
        try engine.write { db in
            try db.execute(sql: "UPDATE jobs SET status = 'running', worker = ?, lease_expires_at = ?, started_at = ? WHERE id = ?",
                           arguments: [worker, Timestamp.string(Date().addingTimeInterval(leaseSeconds)), Timestamp.now(), id])
        }
    }

    /// Records one round in a single transaction. `alsoWrite` runs inside the same transaction
    /// (the round's checkpoint and new HE keys use it, so a round and what resuming needs land
    /// together). With `heldBy`, nothing is written unless that worker still holds the job.
    public func commitRound(jobId: Int64, _ batch: RoundRecordBatch, leaseSeconds: Double = defaultLeaseSeconds,
                            heldBy worker: String? = nil, alsoWrite: ((any SQLSession) throws -> Void)? = nil) throws {
        try engine.write { db in
            if let worker { try Self.requireLease(jobId: jobId, worker: worker, db: db) }
            try Self.insert(batch, jobId: jobId, db: db)
            if batch.round > 0 && batch.status == "succeeded" {
                try db.execute(sql: "UPDATE jobs SET rounds_completed = ?, lease_expires_at = ? WHERE id = ?",
                               arguments: [batch.round, Timestamp.string(Date().addingTimeInterval(leaseSeconds)), jobId])
            }
            try alsoWrite?(db)
        }
    }

    /// Records releases of privacy-protected output: the ledger entries and the round's
    /// `released` status in one transaction, before the released output is passed on.
    ///
    /// `reuseRecorded` is for a round re-executed in reproducible mode after a crash: an entry
    /// whose (round, party, mechanism) is already on the ledger is the same release made again
    /// from the same random streams, so it must equal the recorded one and is not appended a
    /// second time (the spend is counted once); a difference throws `releaseMismatch`.
    ///
    /// The new ledger head is signed with the operator key in the same transaction (see
    /// `LedgerHead`), so no committed release is ever left unsigned.
    /// - Returns: how many entries were already on the ledger (and so not appended).
    @discardableResult
    public func commitRelease(jobId: Int64, round: Int, selectedClients: [Int], startedAt: String, entries: [LedgerEntry],
                              heldBy worker: String? = nil, reuseRecorded: Bool = false,
                              alsoWrite: ((any SQLSession) throws -> Void)? = nil) throws -> Int {
        try engine.write { db in
            if let worker { try Self.requireLease(jobId: jobId, worker: worker, db: db) }
            let clients = "[" + selectedClients.map(String.init).joined(separator: ",") + "]"
            try db.execute(sql: """
                INSERT INTO rounds (job_id, round, status, selected_clients, started_at, finished_at) VALUES (?, ?, 'released', ?, ?, ?)
                ON CONFLICT (job_id, round) DO UPDATE SET selected_clients = excluded.selected_clients
                """, arguments: [jobId, round, clients, startedAt, Timestamp.now()])
            var fresh = entries
            if reuseRecorded {
                let recorded = try Self.ledgerRows(jobId: jobId, db: db).map(\.entry).filter { $0.round == round && $0.decision == "released" }
                fresh = try entries.filter { entry in
                    guard let same = recorded.first(where: { $0.party == entry.party && $0.mechanism == entry.mechanism }) else { return true }
                    guard same == entry else { throw ResultsStoreError.releaseMismatch(jobId: jobId, round: round, party: entry.party) }
                    return false
                }
            }
            try Self.appendSignedLedger(fresh, jobId: jobId, key: self.signingKey(), db: db)
            try alsoWrite?(db)
            return entries.count - fresh.count
        }
    }

    /// Ends a job with `status`; when the job stopped mid-round, `partialRound` (the stage runs
    /// up to and including the failing one) and `ledger` (a blocked release) are written in the
    /// same transaction.
    /// With `heldBy`, nothing is written unless that worker still holds the job.
    public func finishJob(id: Int64, status: JobStatus, error: String? = nil, partialRound: RoundRecordBatch? = nil,
                          ledger: [LedgerEntry] = [], heldBy worker: String? = nil) throws {
        try engine.write { db in
            if let worker { try Self.requireLease(jobId: id, worker: worker, db: db) }
            if let batch = partialRound { try Self.insert(batch, jobId: id, db: db) }
            try Self.appendSignedLedger(ledger, jobId: id, key: self.signingKey(), db: db)
            try db.execute(sql: "UPDATE jobs SET status = ?, error = ?, finished_at = ?, lease_expires_at = NULL WHERE id = ?",
                           arguments: [status.rawValue, error, Timestamp.now(), id])
        }
    }

    static func insert(_ batch: RoundRecordBatch, jobId: Int64, db: any SQLSession) throws {
        let clients = "[" + batch.selectedClients.map(String.init).joined(separator: ",") + "]"
        try db.execute(sql: """
            INSERT INTO rounds (job_id, round, status, selected_clients, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (job_id, round) DO UPDATE SET status = excluded.status, selected_clients = excluded.selected_clients,
                finished_at = excluded.finished_at
            """, arguments: [jobId, batch.round, batch.status, clients, batch.startedAt, batch.finishedAt])
        try insertRecords(of: batch, jobId: jobId, db: db)
    }

    /// The stage runs, metrics and artifacts of `batch`, without touching its round's row.
    static func insertRecords(of batch: RoundRecordBatch, jobId: Int64, db: any SQLSession) throws {
        let stageInsert = """
            INSERT INTO stage_runs (job_id, round, stage, client, started_at, duration_ms, status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """
        for run in batch.stageRuns {
            try db.execute(sql: stageInsert, arguments: [jobId, run.round, run.stage, run.client, run.startedAt, run.durationMs,
                                                run.succeeded ? "succeeded" : "failed", run.error])
        }
        let metricInsert = """
            INSERT INTO metrics (job_id, round, stage, client, name, value, unit) VALUES (?, ?, ?, ?, ?, ?, ?)
            """
        for m in batch.metrics {
            try db.execute(sql: metricInsert, arguments: [jobId, m.round, m.stage, m.client, m.name, m.value, m.unit])
        }
        for a in batch.artifacts {
            try db.execute(sql: "INSERT INTO artifacts (job_id, round, kind, sha256, bytes) VALUES (?, ?, ?, ?, ?)",
                           arguments: [jobId, a.round, a.kind, a.sha256, a.bytes])
        }
        for u in batch.uploads {
            try db.execute(sql: """
                INSERT INTO upload_signatures (job_id, round, client, agent, delta_sha256, signature, certificate, verdict)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [jobId, u.round, u.client, u.agent, u.deltaSha256, u.signature, u.certificatePEM, u.verdict])
        }
    }

    /// The agents' uploads recorded for job `jobId`, by round and client, each client's in the order received.
    public func uploads(jobId: Int64) throws -> [UploadRecord] {
        try engine.read { db in
            try SQLRow.fetchAll(db, sql: """
                SELECT round, client, agent, delta_sha256, signature, certificate, verdict FROM upload_signatures
                WHERE job_id = ? ORDER BY round, client, id
                """, arguments: [jobId]).map {
                UploadRecord(round: $0["round"], client: $0["client"], agent: $0["agent"], deltaSha256: $0["delta_sha256"],
                             signature: $0["signature"], certificatePEM: $0["certificate"], verdict: $0["verdict"])
            }
        }
    }

    public func job(id: Int64) throws -> JobRecord {
        guard let job = try engine.read({ db in try JobRecord.fetchOne(db, key: id) }) else {
            throw ResultsStoreError.jobNotFound(id: id)
        }
        return job
    }

    public func jobs(limit: Int = 100) throws -> [JobRecord] {
        try engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM jobs ORDER BY id DESC LIMIT ?", arguments: [limit]).map(JobRecord.init(row:))
        }
    }

    public func stageRuns(jobId: Int64) throws -> [StageRunRecord] {
        try engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM stage_runs WHERE job_id = ? ORDER BY id", arguments: [jobId]).map {
                StageRunRecord(round: $0["round"], stage: $0["stage"], client: $0["client"], startedAt: $0["started_at"],
                               durationMs: $0["duration_ms"], succeeded: ($0["status"] as String) == "succeeded", error: $0["error"])
            }
        }
    }

    public func metrics(jobId: Int64) throws -> [MetricRecord] {
        try engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM metrics WHERE job_id = ? ORDER BY id", arguments: [jobId]).map {
                MetricRecord(round: $0["round"], stage: $0["stage"], client: $0["client"], name: $0["name"],
                             value: $0["value"], unit: $0["unit"])
            }
        }
    }

    public func artifacts(jobId: Int64) throws -> [ArtifactRecord] {
        try engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM artifacts WHERE job_id = ? ORDER BY round, kind", arguments: [jobId]).map {
                ArtifactRecord(round: $0["round"], kind: $0["kind"], sha256: $0["sha256"], bytes: $0["bytes"])
            }
        }
    }
}
