import Foundation
import Learning

/// `privfed partition export`: each client's shard of a manifest's partition, as its own MNIST
/// training folder (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`, `SHA256SUMS`),
/// so a demo federation can be laid out on several machines with each agent holding only its
/// own data and checking it against its own checksums (`MNIST.loadTrainingFiles`).
///
/// The partition is the public one: the manifest's seed derives it, exactly as a job does
/// (`PreparedJob.prepare`). A manifest with an `audit:` block is refused: its canaries are drawn
/// from the auditor's secret root when a job is submitted, so no export can hold them.
public enum PartitionExport {
    public struct Folder: Codable, Sendable, Equatable {
        public var client: Int
        public var path: String
        public var examples: Int
    }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case outputExists(String)
        case hasCanaries(String)

        public var description: String {
            switch self {
            case .outputExists(let path): return "\(path) already exists; choose another --out (an export never overwrites)"
            case .hasCanaries(let name):
                return "\(name) has an audit: block; its canaries come from the auditor's secret root at submission and cannot be exported"
            }
        }
    }

    /// Writes `client-K/` for every client of `manifest` into the new folder `out`; the tree is
    /// built beside it and renamed into place, so a failure leaves nothing.
    public static func export(_ manifest: JobManifest, baseDirectory: String? = nil, out: URL) throws -> [Folder] {
        guard manifest.audit == nil else { throw Failure.hasCanaries(manifest.name) }
        guard !FileManager.default.fileExists(atPath: out.path) else { throw Failure.outputExists(out.path) }
        // The shards an agents job's clients hold are the ones its simulated twin would give them;
        // the partition depends on the labels only, so they are exported as images even when the
        // job trains on their scattering features.
        var simulated = manifest
        simulated.federation.deployment = .simulated
        simulated.model.features = .pixels
        let job = try PreparedJob.prepare(simulated, baseDirectory: baseDirectory)
        let staging = out.deletingLastPathComponent().appendingPathComponent(".\(out.lastPathComponent).partial-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        do {
            var folders: [Folder] = []
            for (client, shard) in job.shards.enumerated() {
                let name = "client-\(client)"
                let folder = staging.appendingPathComponent(name)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
                try MNIST.writeTrainingFiles(job.train.subset(shard), directory: folder.path)
                folders.append(Folder(client: client, path: out.appendingPathComponent(name).path, examples: shard.count))
            }
            try FileManager.default.moveItem(at: staging, to: out)
            return folders
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }
}
