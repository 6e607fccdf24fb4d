import DatasetProvenance

/// The dataset files a job loaded, as the loader digested them (`DatasetFileDigest`), one row of
/// `dataset_files` each.
extension ResultsDatabase {
    /// Records the files job `jobId` loaded, inside the caller's transaction (round 0's commit).
    public static func writeDatasetFiles(_ files: [DatasetFileDigest], jobId: Int64, db: any SQLSession) throws {
        for f in files {
            try db.execute(sql: "INSERT INTO dataset_files (job_id, file, path, sha256, bytes) VALUES (?, ?, ?, ?, ?)",
                           arguments: [jobId, f.file, f.path, f.sha256, f.bytes])
        }
    }

    /// The dataset files job `jobId` recorded, by file name; empty when it never finished its set-up.
    public func datasetFiles(jobId: Int64) throws -> [DatasetFileDigest] {
        try engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT file, path, sha256, bytes FROM dataset_files WHERE job_id = ? ORDER BY file",
                             arguments: [jobId]).map {
                DatasetFileDigest(file: $0["file"], path: $0["path"], sha256: $0["sha256"], bytes: $0["bytes"])
            }
        }
    }
}
