import Foundation

/// What a job needs to continue after its worker died: the global model after the last completed
/// round and the learning rate of the next. Everything else is rebuilt: the privacy history from
/// the ledger, reproducible randomness from the seed, homomorphic keys from their streams (or,
/// in secure mode, made afresh — secret-key shares are never stored).
public struct JobCheckpoint: Sendable, Equatable {
    /// The last completed round (0 = set-up).
    public var round: Int
    /// The learning rate of round `round + 1`.
    public var learningRate: Double
    public var parameters: [Float]
    /// The homomorphic-encryption key epoch in use after `round`; nil without HE.
    public var heEpoch: Int?

    public init(round: Int, learningRate: Double, parameters: [Float], heEpoch: Int? = nil) {
        self.round = round; self.learningRate = learningRate; self.parameters = parameters; self.heEpoch = heEpoch
    }
}

/// A row of `resumptions`: one continuation of a job from its checkpoint.
public struct ResumptionRecord: Sendable, Equatable {
    public var worker: String
    public var previousWorker: String?
    public var checkpointRound: Int
    public var randomness: String
    /// Ledger rows of round `checkpointRound + 1` already written when the job was resumed.
    public var interruptedReleases: Int
    public var forced: Bool
    /// Secure-mode HE: the identifier of the fresh collective key that replaced the lost one.
    public var heKeyID: String?

    public init(worker: String, previousWorker: String?, checkpointRound: Int, randomness: String, interruptedReleases: Int,
                forced: Bool, heKeyID: String? = nil) {
        self.worker = worker; self.previousWorker = previousWorker; self.checkpointRound = checkpointRound
        self.randomness = randomness; self.interruptedReleases = interruptedReleases; self.forced = forced; self.heKeyID = heKeyID
    }
}

/// Little-endian byte codecs of the stored arrays: one layout on every platform, readable by any tool.
enum LittleEndianBlob {
    static func encode(_ values: [Float]) -> Data {
        var data = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func floats(_ data: Data) -> [Float] {
        data.withUnsafeBytes { raw in
            (0..<raw.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// Each shard's count, then its indices.
    static func encode(shards: [[Int]]) -> Data {
        var data = Data()
        func put(_ x: Int) { withUnsafeBytes(of: UInt32(x).littleEndian) { data.append(contentsOf: $0) } }
        for shard in shards { put(shard.count); shard.forEach(put) }
        return data
    }

    static func shards(_ data: Data) -> [[Int]] {
        data.withUnsafeBytes { raw in
            var words = (0..<raw.count / 4).map { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }[...]
            var shards: [[Int]] = []
            while let count = words.popFirst() {
                shards.append(Array(words.prefix(count)))
                words = words.dropFirst(count)
            }
            return shards
        }
    }
}

extension ResultsDatabase {
    /// Replaces the job's checkpoint inside the caller's transaction (the round's commit).
    public static func writeCheckpoint(_ checkpoint: JobCheckpoint, jobId: Int64, db: any SQLSession) throws {
        try db.execute(sql: """
            INSERT INTO checkpoints (job_id, round, learning_rate, model, model_sha256, he_epoch, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (job_id) DO UPDATE SET round = excluded.round, learning_rate = excluded.learning_rate, model = excluded.model,
                model_sha256 = excluded.model_sha256, he_epoch = excluded.he_epoch, created_at = excluded.created_at
            """, arguments: [jobId, checkpoint.round, checkpoint.learningRate, LittleEndianBlob.encode(checkpoint.parameters),
                             Digest.sha256Hex(floats: checkpoint.parameters), checkpoint.heEpoch, Timestamp.now()])
    }

    /// The job's latest checkpoint, its model checked against the hash recorded for that round.
    /// - Throws: `ResultsStoreError.corruptCheckpoint` when the stored model does not hash to the
    ///   round's recorded model hash.
    public func checkpoint(jobId: Int64) throws -> JobCheckpoint? {
        try engine.read { db in
            guard let row = try SQLRow.fetchOne(db, sql: "SELECT * FROM checkpoints WHERE job_id = ?", arguments: [jobId]) else { return nil }
            let checkpoint = JobCheckpoint(round: row["round"], learningRate: row["learning_rate"],
                                           parameters: LittleEndianBlob.floats(row["model"]), heEpoch: row["he_epoch"])
            let recorded = try String.fetchOne(db, sql: "SELECT sha256 FROM artifacts WHERE job_id = ? AND round = ? AND kind = 'global_model'",
                                               arguments: [jobId, checkpoint.round])
            let actual = Digest.sha256Hex(floats: checkpoint.parameters)
            guard actual == recorded else {
                throw ResultsStoreError.corruptCheckpoint(jobId: jobId, round: checkpoint.round, actual: actual, recorded: recorded)
            }
            return checkpoint
        }
    }

    /// Records the clients' shards inside the caller's transaction (round 0's commit).
    public static func writePartition(_ shards: [[Int]], jobId: Int64, db: any SQLSession) throws {
        let blob = LittleEndianBlob.encode(shards: shards)
        try db.execute(sql: """
            INSERT INTO partitions (job_id, shards, sha256) VALUES (?, ?, ?)
            ON CONFLICT (job_id) DO UPDATE SET shards = excluded.shards, sha256 = excluded.sha256
            """,
                       arguments: [jobId, blob, Digest.sha256Hex(Array(blob))])
    }

    /// The shards recorded at set-up; nil when the job never finished its set-up.
    public func partition(jobId: Int64) throws -> [[Int]]? {
        try engine.read { db in
            try Data.fetchOne(db, sql: "SELECT shards FROM partitions WHERE job_id = ?", arguments: [jobId]).map(LittleEndianBlob.shards)
        }
    }

    public func insertResumption(_ r: ResumptionRecord, jobId: Int64) throws {
        try engine.write { db in
            try db.execute(sql: """
                INSERT INTO resumptions (job_id, resumed_at, worker, previous_worker, checkpoint_round, randomness, interrupted_releases, forced, he_key_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [jobId, Timestamp.now(), r.worker, r.previousWorker, r.checkpointRound, r.randomness,
                                 r.interruptedReleases, r.forced ? 1 : 0, r.heKeyID])
        }
    }

    public func resumptions(jobId: Int64) throws -> [ResumptionRecord] {
        try engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM resumptions WHERE job_id = ? ORDER BY id", arguments: [jobId]).map {
                ResumptionRecord(worker: $0["worker"], previousWorker: $0["previous_worker"], checkpointRound: $0["checkpoint_round"],
                                 randomness: $0["randomness"], interruptedReleases: $0["interrupted_releases"],
                                 forced: ($0["forced"] as Int) == 1, heKeyID: $0["he_key_id"])
            }
        }
    }
}
