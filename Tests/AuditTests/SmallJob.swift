import Pipeline
import ResultsStore
import TestSupport

/// Runs a small real job — the mlp on 1,000 MNIST training and 300 test images, 3 clients,
/// 2 rounds — into a fresh database. `name` is written as given (quote it for YAML if it needs it);
/// `extra` is appended at the top level (e.g. a `privacy:` block).
func runSmallAuditJob(name: String, seed: Int, extra: String = "") throws -> (db: ResultsDatabase, jobId: Int64, status: String) {
    let manifest = smallMNISTManifest(name: name, seed: seed, clients: 3, trainExamples: 1000, testExamples: 300,
                                      rounds: 2, clientsPerRound: 2, extra: extra)
    let (db, summary) = try runJobNow(manifest, prefix: "audit")
    return (db, summary.jobId, summary.status)
}
