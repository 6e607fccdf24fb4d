import AgentLink
import Foundation
import Learning

/// An agent's data folder, checked by the dataset loader's own checksum verification (the same
/// `MNIST.loadTrainingFiles` a job's shard goes through: every file against `SHA256SUMS`, then
/// the IDX headers), summarised as the orchestrator may learn it.
enum AgentDataFolder {
    /// The folder's images and their summary.
    /// - Throws: `MNISTError`, naming the file at fault.
    static func load(_ directory: String) throws -> (images: LabeledImages, summary: AgentData) {
        let images = try MNIST.loadTrainingFiles(directory: directory)
        let sumsPath = URL(fileURLWithPath: directory).appendingPathComponent(MNIST.checksumsFile).path
        guard let sums = FileManager.default.contents(atPath: sumsPath) else { throw MNISTError.missingFile(path: sumsPath) }
        return (images, AgentData(sha256: MNIST.sha256Hex([UInt8](sums)), examples: images.count))
    }
}
