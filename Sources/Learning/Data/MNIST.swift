import Crypto
import DatasetProvenance
import Foundation

/// The MNIST digits (LeCun, Cortes, Burges), read from the four gzip-compressed IDX files.
///
/// `load` checks, in order: every file exists; the SHA-256 of each `.gz` matches `SHA256SUMS`
/// (`sha256sum` format); the gzip stream is intact (zlib checks the CRC-32 and length trailer);
/// the IDX magic, the 28x28 dimensions, the exact payload length; that labels are digits; and
/// that each images file has as many entries as its labels file. Any failure throws a
/// `MNISTError` naming the file.
public struct MNIST: Sendable {
    /// 60,000 training examples.
    public let train: LabeledImages
    /// 10,000 test examples.
    public let test: LabeledImages
    /// The four files as they were read, in `files` order: what a job records of its data.
    public let sources: [DatasetFileDigest]

    /// The four file names, as distributed.
    public static let trainImagesFile = "train-images-idx3-ubyte.gz"
    public static let trainLabelsFile = "train-labels-idx1-ubyte.gz"
    public static let testImagesFile = "t10k-images-idx3-ubyte.gz"
    public static let testLabelsFile = "t10k-labels-idx1-ubyte.gz"
    public static let checksumsFile = "SHA256SUMS"
    public static let files = [trainImagesFile, trainLabelsFile, testImagesFile, testLabelsFile]

    /// Loads and validates the dataset.
    /// - Parameters:
    ///   - directory: the folder holding the four `.gz` files and `SHA256SUMS`.
    ///   - verifyChecksums: check each `.gz` against `SHA256SUMS` first (the default).
    /// - Throws: `MNISTError`.
    public static func load(directory: String, verifyChecksums: Bool = true) throws(MNISTError) -> MNIST {
        var compressed: [String: [UInt8]] = [:]
        for name in files { compressed[name] = try readFile(directory, name) }
        if verifyChecksums {
            let results = try checksumResults(directory: directory, contents: compressed)
            if let bad = results.first(where: { !$0.ok }) {
                throw .checksumMismatch(file: bad.file, expected: bad.expected, actual: bad.actual)
            }
        }
        let train = try decodePair(directory, images: trainImagesFile, labels: trainLabelsFile, compressed)
        let test = try decodePair(directory, images: testImagesFile, labels: testLabelsFile, compressed)
        let sources = files.map { DatasetFileDigest(file: $0, path: path(directory, $0), contents: compressed[$0] ?? []) }
        return MNIST(train: train, test: test, sources: sources)
    }

    /// One client's training data as `privfed partition export` writes it and an agent loads it:
    /// the two training files of the MNIST layout (its shard only) and a `SHA256SUMS` covering
    /// them, checked as `load` checks the full set.
    /// - Throws: `MNISTError`.
    public static func loadTrainingFiles(directory: String) throws(MNISTError) -> LabeledImages {
        let names = [trainImagesFile, trainLabelsFile]
        var compressed: [String: [UInt8]] = [:]
        for name in names { compressed[name] = try readFile(directory, name) }
        if let bad = try checksumResults(directory: directory, contents: compressed, files: names).first(where: { !$0.ok }) {
            throw .checksumMismatch(file: bad.file, expected: bad.expected, actual: bad.actual)
        }
        return try decodePair(directory, images: trainImagesFile, labels: trainLabelsFile, compressed)
    }

    /// Verifies every `.gz` against `SHA256SUMS` and returns one result per file, for audit
    /// records. Mismatches are reported in the results, not thrown.
    /// - Throws: `MNISTError.missingFile` or `.checksumEntryMissing` when a file or entry is absent.
    public static func verifyChecksums(directory: String) throws(MNISTError) -> [ChecksumResult] {
        var compressed: [String: [UInt8]] = [:]
        for name in files { compressed[name] = try readFile(directory, name) }
        return try checksumResults(directory: directory, contents: compressed)
    }

    /// Lower-case hex SHA-256 of `bytes`.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    private static func path(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    private static func readFile(_ directory: String, _ name: String) throws(MNISTError) -> [UInt8] {
        let fullPath = path(directory, name)
        guard let data = FileManager.default.contents(atPath: fullPath) else { throw .missingFile(path: fullPath) }
        return [UInt8](data)
    }

    /// Parses `sha256sum` output: `<64 hex> <space><space or *><name>` per line.
    private static func expectedSums(directory: String) throws(MNISTError) -> [String: String] {
        let bytes = try readFile(directory, checksumsFile)
        var sums: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard fields.count == 2 else { continue }
            let hex = fields[0].lowercased()
            guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else { continue }
            var name = fields[1].trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("*") { name.removeFirst() }
            sums[name] = hex
        }
        return sums
    }

    private static func checksumResults(directory: String, contents: [String: [UInt8]],
                                        files: [String] = MNIST.files) throws(MNISTError) -> [ChecksumResult] {
        let sums = try expectedSums(directory: directory)
        var results: [ChecksumResult] = []
        for name in files {
            guard let expected = sums[name] else {
                throw .checksumEntryMissing(file: path(directory, name), sumsFile: path(directory, checksumsFile))
            }
            let actual = sha256Hex(contents[name] ?? [])
            results.append(ChecksumResult(file: path(directory, name), expected: expected, actual: actual))
        }
        return results
    }

    private static func decodePair(_ directory: String, images: String, labels: String,
                                   _ compressed: [String: [UInt8]]) throws(MNISTError) -> LabeledImages {
        let imagesPath = path(directory, images), labelsPath = path(directory, labels)
        let imageBytes = try Gzip.decompress(compressed[images]!, file: imagesPath, expectedSize: 16 + 60_000 * 784)
        let labelBytes = try Gzip.decompress(compressed[labels]!, file: labelsPath, expectedSize: 8 + 60_000)
        let imageCount = try IDXFile.imageCount(imageBytes, file: imagesPath)
        let labelCount = try IDXFile.labelCount(labelBytes, file: labelsPath)
        guard imageCount == labelCount else {
            throw .countMismatch(images: imagesPath, imageCount: imageCount, labels: labelsPath, labelCount: labelCount)
        }
        let pixelCount = imageCount * LabeledImages.pixelsPerImage
        let pixels = [Float](unsafeUninitializedCapacity: pixelCount) { buffer, initialized in
            imageBytes.withUnsafeBufferPointer { raw in
                let source = raw.baseAddress! + 16
                for i in 0..<pixelCount { buffer[i] = Float(source[i]) / 255 }
            }
            initialized = pixelCount
        }
        return LabeledImages(pixels: pixels, labels: Array(labelBytes[8...]))
    }
}

/// The outcome of checking one file against `SHA256SUMS`.
public struct ChecksumResult: Sendable, Equatable, Codable {
    /// The file checked (path as given).
    public let file: String
    /// Lower-case hex SHA-256 recorded in `SHA256SUMS`.
    public let expected: String
    /// Lower-case hex SHA-256 of the file's bytes.
    public let actual: String
    /// Whether they agree.
    public var ok: Bool { expected == actual }
}
