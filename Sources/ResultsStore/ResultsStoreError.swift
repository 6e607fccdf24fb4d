/// What can go wrong with a results database, in words a user can act on.
public enum ResultsStoreError: Error, CustomStringConvertible, Equatable {
    case notADatabase(path: String)
    case foreignDatabase(path: String, tables: [String])
    case missingDatabase(path: String)
    case databaseLocked(path: String)
    case badMigrationName(file: String)
    case migrationChanged(version: Int, name: String, recorded: String, actual: String)
    case migrationMissing(version: Int, name: String)
    case migrationFailed(file: String, message: String)
    case newerSchema(path: String, version: Int, known: Int)
    /// A read-only open found a migration this privfed ships that the database lacks.
    case schemaNotApplied(path: String, version: Int, name: String)
    case writeRefused(sql: String)
    case sql(message: String)
    case jobNotFound(id: Int64)
    case jobFinished(jobId: Int64, status: String)
    case leaseHeld(jobId: Int64, holder: String, expiresAt: String)
    case leaseLost(jobId: Int64, worker: String, holder: String?, status: String)
    case corruptCheckpoint(jobId: Int64, round: Int, actual: String, recorded: String?)
    case releaseMismatch(jobId: Int64, round: Int, party: String)
    /// A `postgres://` location that cannot be used as it is written.
    case badDatabaseURL(url: String, reason: String)
    /// `privfed db copy` into a database that already has jobs.
    case copyIntoNonEmpty(path: String, jobs: Int)
    /// The PostgreSQL server did not accept a connection.
    case serverUnreachable(url: String, reason: String)

    public var description: String {
        switch self {
        case .notADatabase(let path):
            return "\(path): not an SQLite database (privfed keeps its results in SQLite or, with --db postgres://…, PostgreSQL; pass another --db)"
        case .foreignDatabase(let path, let tables):
            return "\(path): an SQLite database that privfed did not create (it has tables \(tables.prefix(5).joined(separator: ", "))); refusing to add tables to it — pass another --db"
        case .missingDatabase(let path):
            return "\(path): no such database (run a job first, or pass --db)"
        case .databaseLocked(let path):
            return "\(path): the database is locked by another process; try again when it has finished"
        case .badMigrationName(let file):
            return "\(file): migration files are named NNNN_name.sql"
        case .migrationChanged(let version, let name, let recorded, let actual):
            return "migration \(version) (\(name)) was applied with SHA-256 \(recorded) but this privfed's copy hashes to \(actual); applied migrations must never change — add a new migration instead"
        case .migrationMissing(let version, let name):
            return "migration \(version) (\(name)) is recorded in the database but this privfed does not ship it"
        case .migrationFailed(let file, let message):
            return "\(file): \(message)"
        case .newerSchema(let path, let version, let known):
            return "\(path): schema version \(version) is newer than this privfed knows (\(known)); upgrade privfed"
        case .schemaNotApplied(let path, let version, let name):
            return "\(path): migration \(version) (\(name)) is not applied yet and the database cannot be written here; run a command that writes (privfed run, submit or worker) on it once where it is writable"
        case .writeRefused(let sql):
            return "privfed query is read-only and this statement would write: \(sql.prefix(80))"
        case .sql(let message):
            return message
        case .jobNotFound(let id):
            return "no job \(id) in this database (see privfed jobs)"
        case .jobFinished(let id, let status):
            return "job \(id) has finished (\(status)); there is nothing to resume"
        case .leaseHeld(let id, let holder, let expires):
            return "job \(id) is held by worker \(holder) until \(expires) (its lease is live, so it may still be running); wait for the lease to expire, or pass --force if that worker is certainly gone"
        case .leaseLost(let id, let worker, let holder, let status):
            return "job \(id): worker \(worker) no longer holds it (status \(status), held by \(holder ?? "nobody")); stopped without writing"
        case .corruptCheckpoint(let id, let round, let actual, let recorded):
            return "job \(id): the checkpoint of round \(round) hashes to \(actual) but the round's recorded model is \(recorded ?? "missing"); cannot resume from it"
        case .badDatabaseURL(let url, let reason):
            return "--db \(url): not a usable PostgreSQL URL: \(reason)"
        case .copyIntoNonEmpty(let path, let jobs):
            return "\(path) already holds \(jobs) job(s); privfed db copy writes only into a new, empty database (it never merges two)"
        case .serverUnreachable(let url, let reason):
            return "\(url): cannot connect to the PostgreSQL server (\(reason)); check that it runs and that the URL's host, port, user and database are right"
        case .releaseMismatch(let id, let round, let party):
            return "job \(id) round \(round): the re-executed release of \(party) differs from the one on the privacy ledger; refusing to record a second spend (the code, data or seed changed since the round was interrupted)"
        }
    }
}
