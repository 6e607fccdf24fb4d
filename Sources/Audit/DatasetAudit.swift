import Foundation
import Learning
import Pipeline
import ResultsStore

/// The `dataset_checksums` check: which data the job used, from what it recorded when it loaded
/// the files (table `dataset_files`), not from whatever lies at the manifest's path today.
///
/// Each recorded SHA-256 must equal the published MNIST checksum (`PublishedChecksums`,
/// compiled in), so a job trained on an edited copy fails even after the files are restored; and
/// when the files are at hand at their recorded absolute location, today's bytes must equal the
/// recorded ones. The recorded path is absolute, so the audit works from any folder. A job that
/// has not loaded its data yet (no set-up recorded) is checked on today's files at the
/// manifest's path.
struct DatasetAudit {
    let database: ResultsDatabase

    func finding(job: JobRecord, manifest: JobManifest, baseDirectory: String?) throws -> AuditFinding {
        let jobId = job.id!
        let recorded = try database.datasetFiles(jobId: jobId)
        if recorded.isEmpty {
            guard try database.partition(jobId: jobId) == nil else {
                return AuditFinding("dataset_checksums", false, "job \(jobId) set up its data but recorded no dataset files: which data it trained on cannot be shown")
            }
            return todaysFiles(in: PreparedJob.resolve(manifest.dataset.path, against: baseDirectory))
        }
        var problems: [String] = []
        var atHand = 0
        let byName = Dictionary(recorded.map { ($0.file, $0) }) { first, _ in first }
        // With agents the training files are on the agents' machines, each checked by its agent
        // against its own SHA256SUMS; the orchestrator loaded (and recorded) the test files only.
        let agents = manifest.federation.deployment == .agents
        let expected = PublishedChecksums.mnist.filter { !agents || $0.key.hasPrefix("t10k") }
        for (file, published) in expected.sorted(by: { $0.key < $1.key }) {
            guard let record = byName[file] else { problems.append("the job recorded no \(file)"); continue }
            if record.sha256 != published {
                problems.append("the job trained on \(record.path) with SHA-256 \(record.sha256) (\(record.bytes) bytes); the published SHA-256 is \(published)")
            }
            guard let data = FileManager.default.contents(atPath: record.path) else { continue }
            atHand += 1
            let today = Digest.sha256Hex(Array(data))
            if today != record.sha256 {
                problems.append("\(record.path) now hashes to \(today) (\(data.count) bytes); the job loaded \(record.sha256)")
            }
        }
        for extra in recorded where PublishedChecksums.mnist[extra.file] == nil {
            problems.append("the job recorded \(extra.file), which is not an MNIST file")
        }
        guard problems.isEmpty else { return AuditFinding("dataset_checksums", false, problems.joined(separator: "; ")) }
        let folder = ((recorded.first?.path ?? "") as NSString).deletingLastPathComponent
        return AuditFinding("dataset_checksums", true, "the \(recorded.count) MNIST files the job loaded from \(folder) match their published SHA-256"
                            + (atHand == recorded.count ? ", and so do the files there today"
                               : "; \(recorded.count - atHand) of them are not at hand there today (checked from the record)")
                            + (agents ? "; the training data is on the agents' machines, each folder checked by its agent against its own SHA256SUMS" : ""))
    }

    /// Today's files at `directory` against the published checksums (a job not yet set up).
    func todaysFiles(in directory: String) -> AuditFinding {
        var problems: [String] = []
        for (file, published) in PublishedChecksums.mnist.sorted(by: { $0.key < $1.key }) {
            let path = (directory as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: path) else {
                problems.append("\(path) is missing")
                continue
            }
            let actual = Digest.sha256Hex(Array(data))
            if actual != published { problems.append("\(path) hashes to \(actual), the published SHA-256 is \(published)") }
        }
        return problems.isEmpty
            ? AuditFinding("dataset_checksums", true, "the job has not loaded its data yet; the 4 MNIST files in \(directory) match their published SHA-256")
            : AuditFinding("dataset_checksums", false, problems.joined(separator: "; "))
    }
}
