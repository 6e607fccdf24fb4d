import Foundation

/// One file a dataset was loaded from, as it was read: its name, where it was (absolute), the
/// SHA-256 and size of its bytes. A job records these at load time (issue 15), so an audit can
/// tell which data the job used even after the files were changed back or moved.
public struct DatasetFileDigest: Sendable, Equatable, Codable {
    /// The file's name as distributed (`train-images-idx3-ubyte.gz`).
    public let name: String
    /// Its absolute, standardised path when it was read.
    public let path: String
    /// Lower-case hex SHA-256 of its bytes.
    public let sha256: String
    /// Its size in bytes.
    public let bytes: Int

    public init(name: String, path: String, sha256: String, bytes: Int) {
        self.name = name; self.path = path; self.sha256 = sha256; self.bytes = bytes
    }

    /// The digest of `contents`, read from `path` (made absolute against the working directory).
    public init(name: String, path: String, contents: [UInt8]) {
        self.init(name: name, path: URL(fileURLWithPath: path).standardizedFileURL.path,
                  sha256: MNIST.sha256Hex(contents), bytes: contents.count)
    }
}
