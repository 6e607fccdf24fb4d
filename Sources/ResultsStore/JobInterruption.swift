
extension ResultsDatabase {
    /// Records that `worker` stopped job `id` at a stage boundary on a signal: status
    /// `interrupted`, the lease released (no expiry to wait out), the rounds completed and the
    /// checkpoint kept, so `privfed resume` or any worker continues it at once.
    /// - Throws: `leaseLost` unless `worker` holds the job.
    public func interruptJob(id: Int64, reason: String, heldBy worker: String) throws {
        try engine.write { db in
            try Self.requireLease(jobId: id, worker: worker, db: db)
            try db.execute(sql: "UPDATE jobs SET status = 'interrupted', error = ?, lease_expires_at = NULL WHERE id = ?",
                           arguments: [reason, id])
        }
    }
}
