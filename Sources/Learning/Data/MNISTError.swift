/// Everything that can be wrong with an MNIST directory, each naming the file at fault.
///
/// The loader never crashes and never returns partially decoded data: a missing, corrupt,
/// truncated, swapped or mismatched file is reported as one of these.
public enum MNISTError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file does not exist or cannot be read.
    case missingFile(path: String)
    /// `SHA256SUMS` has no line for this file, or a line that is not `<64 hex>  <name>`.
    case checksumEntryMissing(file: String, sumsFile: String)
    /// The SHA-256 of the `.gz` file differs from the one recorded in `SHA256SUMS`.
    case checksumMismatch(file: String, expected: String, actual: String)
    /// zlib rejected the stream (bad header, bad CRC, corrupt deflate data) or it ended early.
    case corruptGzip(file: String, reason: String)
    /// The IDX magic number is not the one this file must have (for example labels and images swapped).
    case wrongMagic(file: String, expected: UInt32, actual: UInt32)
    /// The IDX header declares dimensions other than 28x28 or an implausible count.
    case badHeader(file: String, reason: String)
    /// The decompressed payload is shorter or longer than the header promises.
    case wrongLength(file: String, expected: Int, actual: Int)
    /// The images file and its labels file hold different numbers of examples.
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    /// A label outside 0...9.
    case invalidLabel(file: String, index: Int, value: UInt8)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "\(path): file not found or not readable"
        case .checksumEntryMissing(let file, let sums):
            return "\(sums): no valid SHA-256 entry for \(file)"
        case .checksumMismatch(let file, let expected, let actual):
            return "\(file): SHA-256 mismatch: expected \(expected), got \(actual)"
        case .corruptGzip(let file, let reason):
            return "\(file): corrupt or truncated gzip data: \(reason)"
        case .wrongMagic(let file, let expected, let actual):
            let hint = (expected == 0x801 && actual == 0x803) || (expected == 0x803 && actual == 0x801)
                ? " (images and labels files swapped?)" : ""
            return "\(file): wrong IDX magic number: expected 0x\(String(expected, radix: 16)), "
                + "got 0x\(String(actual, radix: 16))\(hint)"
        case .badHeader(let file, let reason):
            return "\(file): bad IDX header: \(reason)"
        case .wrongLength(let file, let expected, let actual):
            return "\(file): payload length \(actual) bytes, header promises \(expected)"
        case .countMismatch(let images, let imageCount, let labels, let labelCount):
            return "\(images) holds \(imageCount) images but \(labels) holds \(labelCount) labels"
        case .invalidLabel(let file, let index, let value):
            return "\(file): label \(value) at index \(index) is outside 0...9"
        }
    }
}
