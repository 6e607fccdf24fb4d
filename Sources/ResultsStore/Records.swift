
/// The lifecycle of a job, as stored in `jobs.status`.
public enum JobStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, succeeded, failed
    case budgetExhausted = "budget_exhausted"
    case cancelled
    /// Stopped by SIGINT or SIGTERM at a stage boundary (migration 0011): its lease is released and
    /// it continues from its last completed round (`privfed resume`, or any worker).
    case interrupted

    public var isFinished: Bool { self != .queued && self != .running && self != .interrupted }
}

/// A row of `jobs`.
public struct JobRecord: Codable, Sendable {

    public var id: Int64?
    public var name: String
    public var manifestPath: String
    public var manifestText: String
    public var manifestSha256: String
    public var seed: Int64
    public var randomness: String
    public var codeVersion: String
    /// The resolved dependency versions the job ran with (`identity version, …`); nil for jobs
    /// recorded before they were kept.
    public var dependencies: String?
    public var status: JobStatus
    public var error: String?
    public var roundsPlanned: Int
    public var roundsCompleted: Int
    public var worker: String?
    public var leaseExpiresAt: String?
    public var createdAt: String
    public var startedAt: String?
    public var finishedAt: String?

    public init(name: String, manifestPath: String, manifestText: String, seed: Int64, randomness: String,
                codeVersion: String, status: JobStatus, roundsPlanned: Int) {
        self.id = nil
        self.name = name
        self.manifestPath = manifestPath
        self.manifestText = manifestText
        self.manifestSha256 = Digest.sha256Hex(manifestText)
        self.seed = seed
        self.randomness = randomness
        self.codeVersion = codeVersion
        self.dependencies = nil
        self.status = status
        self.error = nil
        self.roundsPlanned = roundsPlanned
        self.roundsCompleted = 0
        self.worker = nil
        self.leaseExpiresAt = nil
        self.createdAt = Timestamp.now()
        self.startedAt = nil
        self.finishedAt = nil
    }
}

extension JobRecord {
    /// The columns of `jobs`, in the order `insert` binds them.
    static let insertedColumns = ["name", "manifest_path", "manifest_text", "manifest_sha256", "seed", "randomness", "code_version",
                                  "dependencies", "status", "error", "rounds_planned", "rounds_completed", "worker",
                                  "lease_expires_at", "created_at", "started_at", "finished_at"]

    init(row: SQLRow) {
        id = row["id"]
        name = row["name"]
        manifestPath = row["manifest_path"]
        manifestText = row["manifest_text"]
        manifestSha256 = row["manifest_sha256"]
        seed = row["seed"]
        randomness = row["randomness"]
        codeVersion = row["code_version"]
        dependencies = row["dependencies"]
        let statusText: String = row["status"]
        guard let status = JobStatus(rawValue: statusText) else {
            preconditionFailure("results database: jobs.status holds \(statusText), which the schema's CHECK forbids")
        }
        self.status = status
        error = row["error"]
        roundsPlanned = row["rounds_planned"]
        roundsCompleted = row["rounds_completed"]
        worker = row["worker"]
        leaseExpiresAt = row["lease_expires_at"]
        createdAt = row["created_at"]
        startedAt = row["started_at"]
        finishedAt = row["finished_at"]
    }

    /// Inserts the job (with its id when it has one, as a database copy does) and returns its id.
    func insert(_ db: any SQLSession) throws -> Int64 {
        var columns = Self.insertedColumns
        var arguments: SQLArguments = [name, manifestPath, manifestText, manifestSha256, seed, randomness, codeVersion, dependencies,
                                       status.rawValue, error, roundsPlanned, roundsCompleted, worker, leaseExpiresAt, createdAt,
                                       startedAt, finishedAt]
        if let id {
            columns.insert("id", at: 0)
            arguments.values.insert(.integer(id), at: 0)
        }
        let sql = "INSERT INTO jobs (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", "))) RETURNING id"
        guard let id = try Int64.fetchOne(db, sql: sql, arguments: arguments) else {
            throw ResultsStoreError.sql(message: "inserting a job returned no id")
        }
        return id
    }

    static func fetchOne(_ db: any SQLSession, key id: Int64) throws -> JobRecord? {
        try SQLRow.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id]).map(JobRecord.init(row:))
    }
}

/// A row of `stage_runs`: one execution of one stage, for one client or for the aggregator.
public struct StageRunRecord: Codable, Sendable, Equatable {
    public var round: Int
    public var stage: String
    public var client: Int?
    public var startedAt: String
    public var durationMs: Double
    public var succeeded: Bool
    public var error: String?

    public init(round: Int, stage: String, client: Int?, startedAt: String, durationMs: Double, succeeded: Bool, error: String? = nil) {
        self.round = round; self.stage = stage; self.client = client; self.startedAt = startedAt
        self.durationMs = durationMs; self.succeeded = succeeded; self.error = error
    }
}

/// A row of `metrics`.
public struct MetricRecord: Codable, Sendable, Equatable {
    public var round: Int
    public var stage: String
    public var client: Int?
    public var name: String
    public var value: Double
    public var unit: String

    public init(round: Int, stage: String, client: Int?, name: String, value: Double, unit: String) {
        self.round = round; self.stage = stage; self.client = client; self.name = name; self.value = value; self.unit = unit
    }
}

/// A row of `artifacts`.
public struct ArtifactRecord: Codable, Sendable, Equatable {
    public var round: Int
    public var kind: String
    public var sha256: String
    public var bytes: Int

    public init(round: Int, kind: String, sha256: String, bytes: Int) {
        self.round = round; self.kind = kind; self.sha256 = sha256; self.bytes = bytes
    }
}

/// A row of `upload_signatures`: one agent's upload as the orchestrator received it.
public struct UploadRecord: Codable, Sendable, Equatable {
    public var round: Int
    public var client: Int
    public var agent: String
    public var deltaSha256: String
    public var signature: String
    public var certificatePEM: String
    public var verdict: String

    public init(round: Int, client: Int, agent: String, deltaSha256: String, signature: String, certificatePEM: String, verdict: String) {
        self.round = round; self.client = client; self.agent = agent; self.deltaSha256 = deltaSha256
        self.signature = signature; self.certificatePEM = certificatePEM; self.verdict = verdict
    }

    public static let accepted = "accepted"
}

/// Everything one round produced, written in one transaction so a round is either wholly
/// recorded or not at all.
public struct RoundRecordBatch: Sendable {
    public var round: Int
    public var status: String
    public var selectedClients: [Int]
    public var startedAt: String
    public var finishedAt: String
    public var stageRuns: [StageRunRecord] = []
    public var metrics: [MetricRecord] = []
    public var artifacts: [ArtifactRecord] = []
    /// The agents' uploads of a `deployment: agents` round, accepted or refused.
    public var uploads: [UploadRecord] = []

    public init(round: Int, status: String = "succeeded", selectedClients: [Int], startedAt: String, finishedAt: String) {
        self.round = round; self.status = status; self.selectedClients = selectedClients
        self.startedAt = startedAt; self.finishedAt = finishedAt
    }
}
