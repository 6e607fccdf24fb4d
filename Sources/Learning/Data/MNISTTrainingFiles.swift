import Foundation

extension MNIST {
    /// Writes `images` as the MNIST training pair (gzip IDX, pixels back to bytes: each is k/255
    /// for a byte k, so k is recovered exactly) and a `SHA256SUMS` for both, into the existing
    /// folder `directory` — the layout `loadTrainingFiles` reads. Each file is written whole
    /// (temporary name, then rename).
    public static func writeTrainingFiles(_ images: LabeledImages, directory: String) throws {
        precondition(images.isImages, "only 28 × 28 images can be written as MNIST files, not \(images.width)-float features")
        let bytes = images.pixels.map { UInt8(($0 * 255).rounded()) }
        let files = [(trainImagesFile, Gzip.compress(IDXFile.encodeImages(bytes))),
                     (trainLabelsFile, Gzip.compress(IDXFile.encodeLabels(images.labels)))]
        let sums = files.map { "\(sha256Hex($0.1))  \($0.0)\n" }.joined()
        for (name, data) in files + [(checksumsFile, Array(sums.utf8))] {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(name).partial")
            try Data(data).write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        }
    }
}
