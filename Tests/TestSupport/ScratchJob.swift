import ResultsStore

/// The set-up of a job test: `text` written as job.yaml in a fresh scratch folder, next to a new
/// results database with the repository's migrations applied; returns the database and the
/// manifest's path.
public func scratchJob(_ text: String, prefix: String) throws -> (db: ResultsDatabase, path: String) {
    let dir = try scratchDirectory(prefix: prefix)
    let path = try writeManifest(text, in: dir)
    return (try scratchDatabase(in: dir), path)
}
