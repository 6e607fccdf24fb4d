import GRDB

/// One dataset file a job loaded, as recorded at load time (table `dataset_files`).
public struct DatasetFileRecord: Sendable, Equatable, Codable {
    /// The file's name as distributed.
    public var file: String
    /// Its absolute path when the job loaded it.
    public var path: String
    /// Lower-case hex SHA-256 of the bytes the job loaded.
    public var sha256: String
    public var bytes: Int

    public init(file: String, path: String, sha256: String, bytes: Int) {
        self.file = file; self.path = path; self.sha256 = sha256; self.bytes = bytes
    }
}

extension ResultsDatabase {
    /// Records the files job `jobId` loaded, inside the caller's transaction (round 0's commit).
    public static func writeDatasetFiles(_ files: [DatasetFileRecord], jobId: Int64, db: Database) throws {
        for f in files {
            try db.execute(sql: "INSERT INTO dataset_files (job_id, file, path, sha256, bytes) VALUES (?, ?, ?, ?, ?)",
                           arguments: [jobId, f.file, f.path, f.sha256, f.bytes])
        }
    }

    /// The dataset files job `jobId` recorded, by file name; empty when it never finished its set-up.
    public func datasetFiles(jobId: Int64) throws -> [DatasetFileRecord] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT file, path, sha256, bytes FROM dataset_files WHERE job_id = ? ORDER BY file",
                             arguments: [jobId]).map {
                DatasetFileRecord(file: $0["file"], path: $0["path"], sha256: $0["sha256"], bytes: $0["bytes"])
            }
        }
    }
}
