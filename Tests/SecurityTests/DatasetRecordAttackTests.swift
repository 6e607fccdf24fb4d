import Foundation
import XCTest
@testable import Audit
@testable import Learning
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// The attacks of issue 15 on what a job says it trained on: a job trained on an edited MNIST
/// copy (with SHA256SUMS updated to match), whose files are put back before the audit; and an
/// audit run from another folder than the job, with a relative dataset path.
final class DatasetRecordAttackTests: XCTestCase {
    /// A private copy of the repository's MNIST in a scratch folder.
    func copyOfMNIST(in dir: String) throws -> String {
        let data = dir + "/mnist"
        try FileManager.default.copyItem(atPath: repositoryMNIST, toPath: data)
        return data
    }

    func testJobTrainedOnAnEditedCopyFailsTheAuditAfterTheFilesAreRestored() throws {
        let dir = try scratchDirectory(prefix: "dataset-attack")
        let data = try copyOfMNIST(in: dir)
        // The edit: the first training example's label 5 becomes 3, recompressed, and
        // SHA256SUMS rewritten to match, so privfed's own load-time check passes.
        let labelsFile = data + "/" + MNIST.trainLabelsFile
        var labels = try Gzip.decompress(Array(try Data(contentsOf: URL(fileURLWithPath: labelsFile))), file: labelsFile)
        XCTAssertEqual(labels[8], 5)
        labels[8] = 3
        let edited = Gzip.compress(labels)
        try Data(edited).write(to: URL(fileURLWithPath: labelsFile))
        var sums = ""
        for name in MNIST.files {
            sums += MNIST.sha256Hex(Array(try Data(contentsOf: URL(fileURLWithPath: data + "/" + name)))) + "  " + name + "\n"
        }
        try sums.write(toFile: data + "/" + MNIST.checksumsFile, atomically: true, encoding: .utf8)

        let manifest = smallMNISTManifest(name: "edited", seed: 3, mnistPath: data, clients: 2, trainExamples: 200, testExamples: 100,
                                          rounds: 1, clientsPerRound: 2)
        let (db, summary) = try runJobNow(manifest, prefix: "dataset-attack")
        XCTAssertEqual(summary.status, "succeeded", summary.error ?? "")

        // The cover-up: the genuine files are put back.
        for name in MNIST.files + [MNIST.checksumsFile] {
            try FileManager.default.removeItem(atPath: data + "/" + name)
            try FileManager.default.copyItem(atPath: repositoryMNIST + "/" + name, toPath: data + "/" + name)
        }

        let report = try JobAuditor(database: db).audit(jobId: summary.jobId, reproduce: false)
        let finding = try XCTUnwrap(report.findings.first { $0.check == "dataset_checksums" })
        XCTAssertFalse(finding.passed, finding.evidence)
        XCTAssertTrue(finding.evidence.contains("trained on \(URL(fileURLWithPath: labelsFile).standardizedFileURL.path)"), finding.evidence)
        XCTAssertTrue(finding.evidence.contains(MNIST.sha256Hex(edited)), finding.evidence)
        XCTAssertTrue(finding.evidence.contains(PublishedChecksums.mnist[MNIST.trainLabelsFile]!), finding.evidence)
        XCTAssertFalse(report.passed)

        let recorded = try db.datasetFiles(jobId: summary.jobId)
        XCTAssertEqual(recorded.map(\.file), MNIST.files.sorted())
        XCTAssertEqual(recorded.first { $0.file == MNIST.trainLabelsFile }?.bytes, edited.count)
    }

    /// The job is run by the real binary from the folder holding the data (`path: mnist`); the
    /// audit runs from the repository root, where no `mnist` folder is.
    func testAuditFromAnotherFolderResolvesTheRecordedAbsolutePaths() throws {
        let dir = try scratchDirectory(prefix: "dataset-folder")
        _ = try copyOfMNIST(in: dir)
        let manifest = try writeManifest(smallMNISTManifest(name: "relative", seed: 4, mnistPath: "mnist", clients: 2, trainExamples: 200,
                                                            testExamples: 100, rounds: 1, clientsPerRound: 2), in: dir)
        let privfed = try PrivfedProcess(database: dir + "/r.sqlite")
        let run = try privfed.run(["run", manifest], in: URL(fileURLWithPath: dir))
        XCTAssertEqual(run.status, 0, run.stderr)

        let audit = try privfed.run(["audit", "1", "--json"])
        let report = try JSONDecoder().decode(AuditReport.self, from: Data(audit.stdout.utf8))
        let finding = try XCTUnwrap(report.findings.first { $0.check == "dataset_checksums" }, audit.stdout + audit.stderr)
        XCTAssertTrue(finding.passed, finding.evidence)
        XCTAssertTrue(finding.evidence.contains(URL(fileURLWithPath: dir + "/mnist").standardizedFileURL.path), finding.evidence)
        XCTAssertTrue(finding.evidence.contains("so do the files there today"), finding.evidence)
    }
}
