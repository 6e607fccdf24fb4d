/// One file a dataset was loaded from, as it was read: its name, where it was (absolute), the
/// SHA-256 and size of its bytes. A job records these at load time (issue 15, table
/// `dataset_files`), so an audit can tell which data the job used even after the files were
/// changed back or moved, and a resumed job can check it trains on the bytes it started with.
///
/// The loader that reads the files (Learning's `MNIST.sources`) and the store that records them
/// (ResultsStore's `dataset_files`) know nothing of each other; this module of one type lets both
/// speak of the same value instead of copying it field by field from one shape to another.
public struct DatasetFileDigest: Sendable, Equatable, Codable {
    /// The file's name as distributed (`train-images-idx3-ubyte.gz`; column `file`).
    public let file: String
    /// Its absolute, standardised path when it was read.
    public let path: String
    /// Lower-case hex SHA-256 of its bytes.
    public let sha256: String
    /// Its size in bytes.
    public let bytes: Int

    public init(file: String, path: String, sha256: String, bytes: Int) {
        self.file = file; self.path = path; self.sha256 = sha256; self.bytes = bytes
    }
}
