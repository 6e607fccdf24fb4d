import Foundation
import ResultsStore

/// Renews a running job's lease between stages, so a slow but live worker is never taken over
/// (a lease lasts `leaseSeconds`; it is renewed once a quarter of that has passed, so a write per
/// stage is avoided while three missed renewals still leave the lease live).
///
/// Renewing also checks that the worker still holds the job: one that was taken over, or whose
/// job was cancelled, learns it here (`leaseLost`) and stops before its next write.
struct LeaseHeartbeat {
    let database: ResultsDatabase
    let jobId: Int64
    let worker: String
    let leaseSeconds: Double
    private var lastRenewal = ContinuousClock.now

    init(database: ResultsDatabase, jobId: Int64, worker: String, leaseSeconds: Double) {
        self.database = database; self.jobId = jobId; self.worker = worker; self.leaseSeconds = leaseSeconds
    }

    /// Renews the lease when a quarter of it has passed since the last renewal.
    mutating func beat() throws {
        guard lastRenewal.duration(to: .now) >= .seconds(leaseSeconds / 4) else { return }
        try database.renewLease(jobId: jobId, worker: worker, leaseSeconds: leaseSeconds)
        lastRenewal = .now
    }

    /// A write that extended the lease (a round's commit) counts as a renewal.
    mutating func renewed() { lastRenewal = .now }
}
