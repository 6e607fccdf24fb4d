import Foundation
import XCTest
@testable import Learning

final class MNISTLoaderTests: XCTestCase {
    private var temp: String = ""

    override func setUpWithError() throws {
        temp = NSTemporaryDirectory() + "privfed-mnist-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: temp) }

    /// Copies the real files into the temp dir so that one can be damaged.
    private func copyRealFiles() throws {
        for name in MNIST.files + [MNIST.checksumsFile] {
            try FileManager.default.copyItem(atPath: mnistDirectory + "/" + name, toPath: temp + "/" + name)
        }
    }

    private func write(_ bytes: [UInt8], _ name: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: temp + "/" + name))
    }

    private func read(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: temp + "/" + name)))
    }

    /// Rewrites SHA256SUMS to match the files now in the temp dir.
    private func refreshSums() throws {
        var text = ""
        for name in MNIST.files { text += MNIST.sha256Hex(try read(name)) + "  " + name + "\n" }
        try write(Array(text.utf8), MNIST.checksumsFile)
    }

    private func loadError(verify: Bool = true) -> MNISTError? {
        do {
            _ = try MNIST.load(directory: temp, verifyChecksums: verify)
            return nil
        } catch { return error }
    }

    func testRealDataLoadsWithPublishedShapesAndFirstTestLabels() {
        let mnist = sharedMNIST
        XCTAssertEqual(mnist.train.count, 60_000)
        XCTAssertEqual(mnist.test.count, 10_000)
        XCTAssertEqual(mnist.train.pixels.count, 60_000 * 784)
        XCTAssertEqual(Array(mnist.test.labels.prefix(10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
        XCTAssertEqual(Array(mnist.train.labels.prefix(5)), [5, 0, 4, 1, 9])
        XCTAssertEqual(mnist.train.pixels.min(), 0)
        XCTAssertEqual(mnist.train.pixels.max(), 1)
    }

    func testDecompressedPayloadsMatchPublishedSHA256() throws {
        // SHA-256 after gunzip, from datasets/mnist/README.md.
        let expected = ["t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
                        "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"]
        for (name, sum) in expected {
            let gz = [UInt8](try Data(contentsOf: URL(fileURLWithPath: mnistDirectory + "/" + name)))
            XCTAssertEqual(MNIST.sha256Hex(try Gzip.decompress(gz, file: name)), sum, name)
        }
    }

    func testChecksumAuditReportsEveryFileAsMatching() throws {
        let results = try MNIST.verifyChecksums(directory: mnistDirectory)
        XCTAssertEqual(results.count, 4)
        XCTAssertTrue(results.allSatisfy(\.ok))
        XCTAssertEqual(results[0].expected, "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971")
    }

    func testMissingFileIsReportedByPath() throws {
        try copyRealFiles()
        try FileManager.default.removeItem(atPath: temp + "/" + MNIST.testLabelsFile)
        XCTAssertEqual(loadError(), .missingFile(path: temp + "/" + MNIST.testLabelsFile))
    }

    func testCorruptedByteFailsChecksumWithExpectedAndActual() throws {
        try copyRealFiles()
        var bytes = try read(MNIST.testImagesFile)
        bytes[bytes.count / 2] ^= 0x5A
        try write(bytes, MNIST.testImagesFile)
        let error = loadError()
        guard case .checksumMismatch(let file, let expected, let actual) = error else {
            return XCTFail("expected checksum mismatch, got \(String(describing: error))")
        }
        XCTAssertTrue(file.hasSuffix(MNIST.testImagesFile))
        XCTAssertEqual(expected, "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be")
        XCTAssertEqual(actual, MNIST.sha256Hex(bytes))
        let audit = try MNIST.verifyChecksums(directory: temp)
        XCTAssertEqual(audit.filter { !$0.ok }.map { ($0.file as NSString).lastPathComponent }, [MNIST.testImagesFile])
    }

    func testCorruptedDeflateDataIsCorruptGzipWhenChecksumsAreSkipped() throws {
        try copyRealFiles()
        var bytes = try read(MNIST.testImagesFile)
        for i in stride(from: bytes.count / 2, to: bytes.count / 2 + 64, by: 1) { bytes[i] ^= 0xFF }
        try write(bytes, MNIST.testImagesFile)
        guard case .corruptGzip(let file, _) = loadError(verify: false) else { return XCTFail("expected corruptGzip") }
        XCTAssertTrue(file.hasSuffix(MNIST.testImagesFile))
    }

    func testTruncatedGzipIsReported() throws {
        try copyRealFiles()
        let bytes = try read(MNIST.trainLabelsFile)
        try write(Array(bytes.prefix(bytes.count - 100)), MNIST.trainLabelsFile)
        try refreshSums()
        guard case .corruptGzip(let file, let reason) = loadError() else { return XCTFail("expected corruptGzip") }
        XCTAssertTrue(file.hasSuffix(MNIST.trainLabelsFile))
        XCTAssertTrue(reason.contains("truncated"), reason)
    }

    func testSwappedImagesAndLabelsFilesAreWrongMagic() throws {
        try copyRealFiles()
        try FileManager.default.removeItem(atPath: temp + "/" + MNIST.testImagesFile)
        try FileManager.default.removeItem(atPath: temp + "/" + MNIST.testLabelsFile)
        try FileManager.default.copyItem(atPath: mnistDirectory + "/" + MNIST.testLabelsFile,
                                         toPath: temp + "/" + MNIST.testImagesFile)
        try FileManager.default.copyItem(atPath: mnistDirectory + "/" + MNIST.testImagesFile,
                                         toPath: temp + "/" + MNIST.testLabelsFile)
        try refreshSums()
        let error = loadError()
        XCTAssertEqual(error, .wrongMagic(file: temp + "/" + MNIST.testImagesFile, expected: 0x803, actual: 0x801))
        XCTAssertTrue(error!.description.contains("swapped"))
    }

    /// Builds gzip IDX files with the given counts.
    private func writeIDX(images: Int, labels: Int, name: (String, String), rows: UInt8 = 28) throws {
        var imageBytes: [UInt8] = [0, 0, 8, 3, 0, 0, 0, UInt8(images), 0, 0, 0, rows, 0, 0, 0, 28]
        imageBytes += [UInt8](repeating: 7, count: images * Int(rows) * 28)
        var labelBytes: [UInt8] = [0, 0, 8, 1, 0, 0, 0, UInt8(labels)]
        labelBytes += (0..<labels).map { UInt8($0 % 10) }
        try write(Gzip.compress(imageBytes), name.0)
        try write(Gzip.compress(labelBytes), name.1)
    }

    func testImageAndLabelCountMismatchIsReported() throws {
        try copyRealFiles()
        try writeIDX(images: 3, labels: 2, name: (MNIST.testImagesFile, MNIST.testLabelsFile))
        try refreshSums()
        XCTAssertEqual(loadError(), .countMismatch(images: temp + "/" + MNIST.testImagesFile, imageCount: 3,
                                                   labels: temp + "/" + MNIST.testLabelsFile, labelCount: 2))
    }

    func testWrongImageSizeAndWrongPayloadLengthAreReported() throws {
        try copyRealFiles()
        try writeIDX(images: 2, labels: 2, name: (MNIST.testImagesFile, MNIST.testLabelsFile), rows: 27)
        try refreshSums()
        guard case .badHeader = loadError() else { return XCTFail("expected badHeader") }
        // A valid header followed by one byte too many.
        var imageBytes: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28]
        imageBytes += [UInt8](repeating: 0, count: 785)
        try write(Gzip.compress(imageBytes), MNIST.testImagesFile)
        try refreshSums()
        XCTAssertEqual(loadError(), .wrongLength(file: temp + "/" + MNIST.testImagesFile, expected: 16 + 784,
                                                 actual: 16 + 785))
    }

    func testValidSmallFilesLoadWithScaledPixels() throws {
        try copyRealFiles()
        try writeIDX(images: 2, labels: 2, name: (MNIST.testImagesFile, MNIST.testLabelsFile))
        try refreshSums()
        let mnist = try MNIST.load(directory: temp)
        XCTAssertEqual(mnist.test.labels, [0, 1])
        XCTAssertEqual(mnist.test.pixels[0], 7 / 255)
    }
}
