
/// A row of `secret_commitments`: the SHA-256 commitment to one party's secret root.
public struct SecretCommitmentRecord: Sendable, Equatable, Codable {
    public var party: String
    public var commitment: String

    public init(party: String, commitment: String) { self.party = party; self.commitment = commitment }
}

extension ResultsDatabase {
    /// Records a job together with its secret commitments and the path of its secrets file, in one
    /// transaction. `escrow` runs inside the transaction once the job's id is known and returns the
    /// secrets file's path (it writes the file): if it throws, no job is recorded.
    public func insertJob(_ job: JobRecord, commitments: [SecretCommitmentRecord],
                          escrow: ((Int64) throws -> String)?) throws -> Int64 {
        try engine.write { db in
            let id = try job.insert(db)
            for c in commitments {
                try db.execute(sql: "INSERT INTO secret_commitments (job_id, party, commitment) VALUES (?, ?, ?)",
                               arguments: [id, c.party, c.commitment])
            }
            if let escrow {
                let path = try escrow(id)
                try db.execute(sql: "INSERT INTO secrets_files (job_id, path) VALUES (?, ?)", arguments: [id, path])
            }
            return id
        }
    }

    /// Adds commitments made after the job was recorded: the roots agents made for a
    /// `deployment: agents` job when it was offered to them (the roots stay on their machines).
    public func addSecretCommitments(_ commitments: [SecretCommitmentRecord], jobId: Int64) throws {
        try engine.write { db in
            for c in commitments {
                try db.execute(sql: "INSERT INTO secret_commitments (job_id, party, commitment) VALUES (?, ?, ?)",
                               arguments: [jobId, c.party, c.commitment])
            }
        }
    }

    /// The job's commitments, by party name.
    public func secretCommitments(jobId: Int64) throws -> [SecretCommitmentRecord] {
        try engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT party, commitment FROM secret_commitments WHERE job_id = ? ORDER BY party",
                             arguments: [jobId]).map { SecretCommitmentRecord(party: $0["party"], commitment: $0["commitment"]) }
        }
    }

    /// Where the job's secrets file was written; nil for a job without one (randomness: secure).
    public func secretsPath(jobId: Int64) throws -> String? {
        try engine.read { db in
            try String.fetchOne(db, sql: "SELECT path FROM secrets_files WHERE job_id = ?", arguments: [jobId])
        }
    }
}
