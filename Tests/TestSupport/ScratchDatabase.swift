import ResultsStore

/// A new results database `r.sqlite` in `directory` with privfed's compiled-in migrations applied:
/// the database every job, API and ledger test starts from.
public func scratchDatabase(in directory: String) throws -> ResultsDatabase {
    try ResultsDatabase(path: directory + "/r.sqlite")
}
