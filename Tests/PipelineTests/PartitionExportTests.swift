import Foundation
import Learning
@testable import Pipeline
import TestSupport
import XCTest

/// `privfed partition export` lays a manifest's partition out as one MNIST training folder per
/// client: each folder loads (checksums verified) to exactly the job's shard, and holds nothing
/// of any other client or of the test set.
final class PartitionExportTests: XCTestCase {
    static let manifestText = smallMNISTManifest(name: "export", seed: 7, clients: 3, trainExamples: 600, testExamples: 200,
                                                 rounds: 1, clientsPerRound: 3)

    func testEachFolderLoadsToExactlyItsClientsShard() throws {
        let manifest = try ManifestReader().parse(Self.manifestText, file: "export.yaml")
        let out = URL(fileURLWithPath: try scratchDirectory(prefix: "export")).appendingPathComponent("shards")
        let folders = try PartitionExport.export(manifest, out: out)
        let job = try PreparedJob.prepare(manifest)
        XCTAssertEqual(folders.map(\.client), [0, 1, 2])
        XCTAssertEqual(folders.map(\.examples).reduce(0, +), 600)
        for folder in folders {
            let shard = job.train.subset(job.shards[folder.client])
            let loaded = try MNIST.loadTrainingFiles(directory: folder.path)
            XCTAssertEqual(loaded.labels, shard.labels, "client \(folder.client)")
            XCTAssertEqual(loaded.pixels.map(\.bitPattern), shard.pixels.map(\.bitPattern), "client \(folder.client): pixels differ")
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            XCTAssertEqual(files, ["SHA256SUMS", MNIST.trainImagesFile, MNIST.trainLabelsFile])
        }
    }

    func testAnEditedShardFailsItsChecksumsAndAnExistingFolderIsRefused() throws {
        let manifest = try ManifestReader().parse(Self.manifestText, file: "export.yaml")
        let out = URL(fileURLWithPath: try scratchDirectory(prefix: "export")).appendingPathComponent("shards")
        let folder = try XCTUnwrap(try PartitionExport.export(manifest, out: out).first).path
        let labels = URL(fileURLWithPath: folder).appendingPathComponent(MNIST.trainLabelsFile)
        var bytes = try Data(contentsOf: labels)
        bytes[bytes.count - 9] ^= 0x01  // inside the gzip member
        try bytes.write(to: labels)
        XCTAssertThrowsError(try MNIST.loadTrainingFiles(directory: folder)) { error in
            guard case MNISTError.checksumMismatch(let file, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(file, labels.path)
        }
        XCTAssertThrowsError(try PartitionExport.export(manifest, out: out)) {
            XCTAssertEqual($0 as? PartitionExport.Failure, .outputExists(out.path))
        }
        let audited = try ManifestReader().parse(canaryJobManifest(name: "audited", seed: 3, privacy: "", canaries: 20, epochs: 1), file: "a.yaml")
        let other = out.deletingLastPathComponent().appendingPathComponent("audited")
        XCTAssertThrowsError(try PartitionExport.export(audited, out: other)) {
            XCTAssertEqual($0 as? PartitionExport.Failure, .hasCanaries("audited"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: other.path))
    }
}
