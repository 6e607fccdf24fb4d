import Foundation
@testable import ResultsStore

/// The set-up of every job test here: `text` written as job.yaml in a fresh temporary folder,
/// next to a new results database with the repository's migrations applied.
func scratchJob(_ text: String, prefix: String) throws -> (db: ResultsDatabase, path: String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("privfed-\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try text.write(toFile: dir + "/job.yaml", atomically: true, encoding: .utf8)
    let db = try ResultsDatabase(path: dir + "/r.sqlite", migrationsDirectory: repositoryRoot.appendingPathComponent("migrations").path)
    return (db, dir + "/job.yaml")
}
