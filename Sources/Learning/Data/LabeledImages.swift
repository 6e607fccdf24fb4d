/// A set of 28x28 grey images with their digit labels.
///
/// Pixels are stored example-major, `count × 784` floats, each raw byte divided by 255 so that
/// values lie in [0, 1]. No mean/standard-deviation normalisation is applied: the inputs keep a
/// fixed, data-independent scale, which keeps the clipping norm of DP-SGD comparable across
/// partitions and avoids computing statistics over (private) training data.
public struct LabeledImages: Sendable {
    /// Floats per image (28 · 28).
    public static let pixelsPerImage = 784
    /// `count × 784` pixel values in [0, 1], row-major per image.
    public var pixels: [Float]
    /// One label in 0...9 per image.
    public var labels: [UInt8]

    /// - Precondition: `pixels.count == labels.count * 784`.
    public init(pixels: [Float], labels: [UInt8]) {
        precondition(pixels.count == labels.count * Self.pixelsPerImage, "pixels must hold 784 floats per label")
        self.pixels = pixels
        self.labels = labels
    }

    /// Number of examples.
    public var count: Int { labels.count }

    /// The examples at `indices`, in that order (a copy).
    public func subset(_ indices: [Int]) -> LabeledImages {
        var pixels = [Float](repeating: 0, count: indices.count * Self.pixelsPerImage)
        var labels = [UInt8](repeating: 0, count: indices.count)
        for (row, index) in indices.enumerated() {
            precondition(index >= 0 && index < count, "index \(index) out of range")
            labels[row] = self.labels[index]
            for p in 0..<Self.pixelsPerImage {
                pixels[row * Self.pixelsPerImage + p] = self.pixels[index * Self.pixelsPerImage + p]
            }
        }
        return LabeledImages(pixels: pixels, labels: labels)
    }

    /// The first `n` examples (a copy).
    public func prefix(_ n: Int) -> LabeledImages {
        let n = min(n, count)
        return LabeledImages(pixels: Array(pixels[0..<(n * Self.pixelsPerImage)]), labels: Array(labels[0..<n]))
    }
}
