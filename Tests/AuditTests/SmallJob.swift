import Foundation
import Pipeline
import ResultsStore

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs a small real job — the mlp on 1,000 MNIST training and 300 test images, 3 clients,
/// 2 rounds — into a fresh database. `name` is written as given (quote it for YAML if it needs it);
/// `extra` is appended at the top level (e.g. a `privacy:` block).
func runSmallAuditJob(name: String, seed: Int, extra: String = "") throws -> (db: ResultsDatabase, jobId: Int64, status: String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("privfed-audit-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let manifest = """
    name: \(name)
    seed: \(seed)
    dataset:
      name: mnist
      path: \(repositoryRoot.appendingPathComponent("datasets/mnist").path)
      clients: 3
      partition: { scheme: iid }
      train_examples: 1000
      test_examples: 300
    model:
      architecture: mlp
    federation:
      rounds: 2
      clients_per_round: 2
      batch_size: 50
      learning_rate: 0.1
    \(extra)
    """
    let path = dir + "/job.yaml"
    try manifest.write(toFile: path, atomically: true, encoding: .utf8)
    let db = try ResultsDatabase(path: dir + "/r.sqlite", migrationsDirectory: repositoryRoot.appendingPathComponent("migrations").path)
    let summary = try JobService(database: db).runNow(try JobService.ready(path: path))
    return (db, summary.jobId, summary.status)
}
