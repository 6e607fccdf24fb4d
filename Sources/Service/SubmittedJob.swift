/// The answer to a submission (202 Accepted): the job is queued and can be followed at `location`.
/// `job` is the key `privfed submit --json` prints.
public struct SubmittedJob: Codable, Sendable, Equatable {
    public var job: Int64
    public var name: String
    public var status: String
    /// The manifest's recorded path: a shipped manifest's file, or `request` for a manifest in the body.
    public var manifest: String
    public var location: String

    public init(job: Int64, name: String, status: String, manifest: String, location: String) {
        self.job = job; self.name = name; self.status = status; self.manifest = manifest; self.location = location
    }
}

/// The answer to `POST /api/jobs/{id}/cancel`.
public struct CancelledJob: Codable, Sendable, Equatable {
    public var job: Int64
    /// `cancelled`: it had not started; `stopping`: its worker stops at the next stage boundary.
    public var outcome: String
    public var status: String

    public init(job: Int64, outcome: String, status: String) {
        self.job = job; self.outcome = outcome; self.status = status
    }
}

/// The answer to `GET /api/health`.
public struct HealthStatus: Codable, Sendable, Equatable {
    public var status: String
    public var version: String
    public var workers: Int
    public var authentication: Bool

    public init(status: String, version: String, workers: Int, authentication: Bool) {
        self.status = status; self.version = version; self.workers = workers; self.authentication = authentication
    }
}
