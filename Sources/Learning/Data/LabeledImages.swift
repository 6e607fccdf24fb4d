/// A set of labelled examples: 28x28 grey images, or fixed features computed from them (the
/// scattering transform's, `ScatteringTransform.features(of:)`), `width` floats per example.
///
/// Pixels are stored example-major, `count × 784` floats, each raw byte divided by 255 so that
/// values lie in [0, 1]. No mean/standard-deviation normalisation is applied: the inputs keep a
/// fixed, data-independent scale, which keeps the clipping norm of DP-SGD comparable across
/// partitions and avoids computing statistics over (private) training data.
public struct LabeledImages: Sendable {
    /// Floats per image (28 · 28).
    public static let pixelsPerImage = 784
    /// `count × width` values, row-major per example (pixels in [0, 1] for images).
    public var pixels: [Float]
    /// One label in 0...9 per image.
    public var labels: [UInt8]
    /// Floats per example: 784 for images, the feature size for features.
    public let width: Int

    /// Images. - Precondition: `pixels.count == labels.count * 784`.
    public init(pixels: [Float], labels: [UInt8]) {
        precondition(pixels.count == labels.count * Self.pixelsPerImage, "pixels must hold 784 floats per label")
        self.init(features: pixels, width: Self.pixelsPerImage, labels: labels)
    }

    /// Examples of `width` floats each. - Precondition: `features.count == labels.count * width`.
    public init(features: [Float], width: Int, labels: [UInt8]) {
        precondition(width >= 1 && features.count == labels.count * width, "features must hold \(width) floats per label")
        self.pixels = features
        self.labels = labels
        self.width = width
    }

    /// Whether the examples are raw 28 × 28 images (not features).
    public var isImages: Bool { width == Self.pixelsPerImage }

    /// Number of examples.
    public var count: Int { labels.count }

    /// The examples at `indices`, in that order (a copy).
    public func subset(_ indices: [Int]) -> LabeledImages {
        var pixels = [Float](repeating: 0, count: indices.count * width)
        var labels = [UInt8](repeating: 0, count: indices.count)
        for (row, index) in indices.enumerated() {
            precondition(index >= 0 && index < count, "index \(index) out of range")
            labels[row] = self.labels[index]
            for p in 0..<width {
                pixels[row * width + p] = self.pixels[index * width + p]
            }
        }
        return LabeledImages(features: pixels, width: width, labels: labels)
    }

    /// The first `n` examples (a copy).
    public func prefix(_ n: Int) -> LabeledImages {
        let n = min(n, count)
        return LabeledImages(features: Array(pixels[0..<(n * width)]), width: width, labels: Array(labels[0..<n]))
    }
}
