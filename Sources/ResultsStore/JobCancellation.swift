
/// What a cancellation request did to a job.
public enum CancellationOutcome: String, Codable, Sendable {
    /// The job had not started: it is cancelled and no worker will take it.
    case cancelled
    /// A worker is running the job: it is marked cancelled at once and its worker stops at the next
    /// stage boundary, recording `finished_at` when it has stopped.
    case stopping
}

/// A job that has already ended cannot be cancelled.
public struct JobAlreadyFinished: Error, Sendable, CustomStringConvertible {
    public var jobId: Int64
    public var status: JobStatus

    public var description: String { "job \(jobId) has already ended (\(status.rawValue)); only queued or running jobs can be cancelled" }
}

/// Cancelling jobs, through the status column alone (its CHECK has always allowed `cancelled`), so
/// `privfed worker` processes on the same database see a cancellation without any new channel.
///
/// A running job's row says `cancelled` from the moment of the request; its worker checks the status
/// between stages and stops there, so no stage is cut in half and a round's privacy spend already on
/// the ledger stays there. A request that arrives after the last stage boundary loses to completion:
/// the job then ends `succeeded`.
extension ResultsDatabase {
    /// Cancels job `id` in one transaction. Cancelling a cancelled job again answers as the first time did.
    /// - Throws: `ResultsStoreError.jobNotFound`, or `JobAlreadyFinished` for a job that has ended otherwise.
    @discardableResult
    public func cancelJob(id: Int64, reason: String = "cancelled by request") throws -> CancellationOutcome {
        try engine.write { db in
            guard let job = try JobRecord.fetchOne(db, key: id) else { throw ResultsStoreError.jobNotFound(id: id) }
            switch job.status {
            case .queued, .interrupted:
                try db.execute(sql: """
                    UPDATE jobs SET status = 'cancelled', error = ?, finished_at = ?, lease_expires_at = NULL WHERE id = ?
                    """, arguments: [reason, Timestamp.now(), id])
                return .cancelled
            case .running:
                try db.execute(sql: "UPDATE jobs SET status = 'cancelled', error = ? WHERE id = ?", arguments: [reason, id])
                return .stopping
            case .cancelled:
                return job.finishedAt == nil ? .stopping : .cancelled
            case .succeeded, .failed, .budgetExhausted:
                throw JobAlreadyFinished(jobId: id, status: job.status)
            }
        }
    }

    /// Whether job `id` has been cancelled: what a worker asks between stages.
    public func isCancelled(jobId id: Int64) throws -> Bool {
        try engine.read { db in
            try String.fetchOne(db, sql: "SELECT status FROM jobs WHERE id = ?", arguments: [id]) == JobStatus.cancelled.rawValue
        }
    }
}
