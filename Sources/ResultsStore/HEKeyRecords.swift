
/// A row of `he_keys`: one collective homomorphic-encryption key of a job. Identifiers and
/// parameters only — the secret-key shares never leave the clients and are never stored.
public struct HEKeyRecord: Sendable, Equatable {
    public var epoch: Int
    /// The public key's identifier (hex), as `PublicKey.keyID` computes it.
    public var keyID: String
    /// "CKKS" or "BFV".
    public var scheme: String
    public var ringDegree: Int
    public var logQ: Int
    /// Clients holding a share of the key's secret.
    public var parties: Int
    /// The round whose start made the key.
    public var createdRound: Int

    public init(epoch: Int, keyID: String, scheme: String, ringDegree: Int, logQ: Int, parties: Int, createdRound: Int) {
        self.epoch = epoch; self.keyID = keyID; self.scheme = scheme; self.ringDegree = ringDegree
        self.logQ = logQ; self.parties = parties; self.createdRound = createdRound
    }
}

extension ResultsDatabase {
    /// Records the keys a round created, inside the caller's transaction (the round's commit,
    /// so a crash never leaves a round that used a key without the key's record).
    public static func insertHEKeys(_ records: [HEKeyRecord], jobId: Int64, db: any SQLSession) throws {
        for r in records {
            try db.execute(sql: """
                INSERT INTO he_keys (job_id, epoch, key_id, scheme, ring_degree, log_q, parties, created_round)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [jobId, r.epoch, r.keyID, r.scheme, r.ringDegree, r.logQ, r.parties, r.createdRound])
        }
    }

    /// Records keys in a transaction of their own.
    public func insertHEKeys(_ records: [HEKeyRecord], jobId: Int64) throws {
        guard !records.isEmpty else { return }
        try engine.write { db in try Self.insertHEKeys(records, jobId: jobId, db: db) }
    }

    /// The keys of a job, by epoch.
    public func heKeys(jobId: Int64) throws -> [HEKeyRecord] {
        try engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM he_keys WHERE job_id = ? ORDER BY epoch", arguments: [jobId]).map {
                HEKeyRecord(epoch: $0["epoch"], keyID: $0["key_id"], scheme: $0["scheme"], ringDegree: $0["ring_degree"],
                            logQ: $0["log_q"], parties: $0["parties"], createdRound: $0["created_round"])
            }
        }
    }
}
