import DatasetProvenance
import Foundation

extension DatasetFileDigest {
    /// The digest of `contents`, read from `path` (made absolute against the working directory):
    /// what the loader records of a file it has just read, hashed as `SHA256SUMS` is checked.
    public init(file: String, path: String, contents: [UInt8]) {
        self.init(file: file, path: URL(fileURLWithPath: path).standardizedFileURL.path,
                  sha256: MNIST.sha256Hex(contents), bytes: contents.count)
    }
}
