import Foundation

/// A worker's hold on a job: `jobs.worker` names the holder and `jobs.lease_expires_at` says until
/// when. The holder renews the lease while it works (a heartbeat); anyone may take over a running
/// job whose lease has expired, because its worker is presumed dead. Every write of a running job
/// first checks, inside its own transaction, that the writer still holds the job (a fencing check),
/// so a worker that was taken over — or whose job was cancelled — stops before writing anything.
public struct LeaseClaim: Sendable {
    public var job: JobRecord
    /// Who held the job before this claim (nil for a queued job).
    public var previousWorker: String?
    /// The job had been started before: it continues from its checkpoint.
    public var interrupted: Bool
    /// A live lease of another worker was taken (`privfed resume --force`).
    public var forced: Bool
}

extension ResultsDatabase {
    /// The default lease: a round that does not renew for this long is presumed dead.
    public static let defaultLeaseSeconds = 300.0

    /// Throws `leaseLost` unless `worker` holds `jobId` and the job is running. Call inside the
    /// transaction that writes, so the check and the write are one atomic step.
    public static func requireLease(jobId: Int64, worker: String, db: any SQLSession) throws {
        let row = try SQLRow.fetchOne(db, sql: "SELECT status, worker, finished_at FROM jobs WHERE id = ?", arguments: [jobId])
        guard let row else { throw ResultsStoreError.jobNotFound(id: jobId) }
        let status: String = row["status"], holder: String? = row["worker"], finished: String? = row["finished_at"]
        // A cancel request marks a running job `cancelled` at once; its worker still holds it until
        // it reaches the next stage boundary and records how the job ended.
        let stopping = status == JobStatus.cancelled.rawValue && finished == nil
        if (status != JobStatus.running.rawValue && !stopping) || holder != worker {
            throw ResultsStoreError.leaseLost(jobId: jobId, worker: worker, holder: holder, status: status)
        }
    }

    /// The heartbeat: extends `worker`'s lease on a running job by `leaseSeconds` from now.
    /// - Throws: `leaseLost` when another worker took the job over or it is no longer running.
    public func renewLease(jobId: Int64, worker: String, leaseSeconds: Double = defaultLeaseSeconds) throws {
        try engine.write { db in
            try Self.requireLease(jobId: jobId, worker: worker, db: db)
            try db.execute(sql: "UPDATE jobs SET lease_expires_at = ? WHERE id = ?",
                           arguments: [Timestamp.string(Date().addingTimeInterval(leaseSeconds)), jobId])
        }
    }

    /// Atomically takes the next job for `worker`: first an interrupted job, or a running job whose
    /// lease expired or whose holder is a dead process on this host (it continues from its
    /// checkpoint), then the oldest queued job. Two workers never take the same job: SQLite
    /// serialises writers, and on PostgreSQL the candidates are locked `FOR UPDATE SKIP LOCKED`,
    /// so a worker on another machine claiming at the same moment passes over them to the next.
    /// `accepts` sees each candidate's manifest text: a worker that cannot run a kind of job
    /// (one without an agent link, for `deployment: agents`) leaves it to one that can.
    public func claimNext(worker: String, leaseSeconds: Double = defaultLeaseSeconds,
                          accepts: ((String) -> Bool)? = nil) throws -> LeaseClaim? {
        try engine.claim { db in
            // Interrupted jobs and running ones whose holder is gone first, then the oldest queued one.
            let locking = db.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
            let candidates = try SQLRow.fetchAll(db, sql: """
                SELECT id, status, worker, lease_expires_at, manifest_text FROM jobs WHERE status IN ('queued', 'running', 'interrupted')
                ORDER BY status = 'queued', id
                """ + locking)
            let now = Timestamp.now()
            let id = candidates.first { row in
                if let accepts, !accepts(row["manifest_text"]) { return false }
                guard row["status"] as String == JobStatus.running.rawValue else { return true }
                let expires: String? = row["lease_expires_at"]
                return expires == nil || expires! < now || LeaseHolder(row["worker"]).isDeadOnThisHost
            }.map { $0["id"] as Int64 }
            guard let id else { return nil }
            return try Self.take(id: id, worker: worker, forced: false, leaseSeconds: leaseSeconds, db: db)
        }
    }

    /// Takes job `id` for `worker` (`privfed resume`): a queued or interrupted job, or a running
    /// one whose lease expired or whose holder is a dead process on this host — or, with `force`, one whose lease is still live (its worker may still be running
    /// it; the fencing check then stops that worker at its next write).
    /// - Throws: `jobFinished` for a finished job, `leaseHeld` for a live lease of another worker.
    public func claimJob(id: Int64, worker: String, force: Bool = false, leaseSeconds: Double = defaultLeaseSeconds) throws -> LeaseClaim {
        try engine.write { db in
            guard let job = try JobRecord.fetchOne(db, key: id) else { throw ResultsStoreError.jobNotFound(id: id) }
            if job.status.isFinished { throw ResultsStoreError.jobFinished(jobId: id, status: job.status.rawValue) }
            var forced = false
            if job.status == .running, let holder = job.worker, holder != worker, let expires = job.leaseExpiresAt,
               expires >= Timestamp.now(), !LeaseHolder(holder).isDeadOnThisHost {
                guard force else { throw ResultsStoreError.leaseHeld(jobId: id, holder: holder, expiresAt: expires) }
                forced = true
            }
            return try Self.take(id: id, worker: worker, forced: forced, leaseSeconds: leaseSeconds, db: db)
        }
    }

    static func take(id: Int64, worker: String, forced: Bool, leaseSeconds: Double, db: any SQLSession) throws -> LeaseClaim {
        guard let before = try JobRecord.fetchOne(db, key: id) else { throw ResultsStoreError.jobNotFound(id: id) }
        let now = Timestamp.now()
        try db.execute(sql: """
            UPDATE jobs SET status = 'running', worker = ?, lease_expires_at = ?, started_at = COALESCE(started_at, ?) WHERE id = ?
            """, arguments: [worker, Timestamp.string(Date().addingTimeInterval(leaseSeconds)), now, id])
        guard let job = try JobRecord.fetchOne(db, key: id) else { throw ResultsStoreError.jobNotFound(id: id) }
        return LeaseClaim(job: job, previousWorker: before.worker, interrupted: before.status == .running || before.status == .interrupted,
                          forced: forced)
    }
}
