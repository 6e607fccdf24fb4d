import Randomness

/// Augmentation multiplicity (De, Berrada, Hayes, Smith, Balle, "Unlocking High-Accuracy
/// Differentially Private Image Classification through Scale", 2022, §3.1): each sampled
/// example enters the batch as `multiplicity` randomly augmented copies, and the gradient that is
/// clipped is the *average* of its copies' gradients. Every copy is a function of that one
/// example, so the clipped term still has L2 norm ≤ C and the sensitivity — hence the privacy
/// cost — is the same as with one copy; the average only lowers the gradient's variance.
///
/// The augmentation is a random translation of the 28 × 28 image by up to `maxShift` pixels on
/// each axis, filling with 0 (the background of MNIST, whose pixels are in [0, 1]). Flips and
/// the crops of CIFAR would change a digit's meaning. Shifts are drawn per copy from the party's
/// own stream, so they are as secret as its batches.
public struct ImageShiftAugmentation: Sendable, Equatable, Codable {
    public static let side = 28

    /// K ≥ 1 copies per example; 1 with `maxShift` 0 is plain DP-SGD.
    public let multiplicity: Int
    /// The largest translation, in pixels, on each axis.
    public let maxShift: Int

    public init(multiplicity: Int, maxShift: Int = 2) {
        precondition((1...64).contains(multiplicity), "multiplicity must be in 1...64")
        precondition((0...8).contains(maxShift), "maxShift must be in 0...8")  // < 28, so some of the image stays
        self.multiplicity = multiplicity
        self.maxShift = maxShift
    }

    /// One translation (dx, dy), each uniform in −maxShift...maxShift.
    func drawShift(using generator: inout ChaCha20Generator) -> (dx: Int, dy: Int) {
        let span = UInt64(2 * maxShift + 1)
        let dx = Int(generator.nextBelow(span)) - maxShift
        let dy = Int(generator.nextBelow(span)) - maxShift
        return (dx, dy)
    }

    /// Writes `source` translated by (dx, dy) into `target` (both 28 × 28): target(x, y) =
    /// source(x − dx, y − dy), 0 where that falls outside the image.
    static func translate(_ source: UnsafePointer<Float>, by shift: (dx: Int, dy: Int), into target: UnsafeMutablePointer<Float>) {
        let n = side
        target.update(repeating: 0, count: n * n)
        let x0 = max(0, shift.dx), x1 = min(n, n + shift.dx)
        guard x1 > x0 else { return }
        for y in max(0, shift.dy)..<min(n, n + shift.dy) {
            (target + y * n + x0).update(from: source + (y - shift.dy) * n + (x0 - shift.dx), count: x1 - x0)
        }
    }
}

extension NetworkWorkspace {
    /// Loads `augmentation.multiplicity` translated copies of each example `indices` of `data`,
    /// example i's copies in rows i·K ..< (i+1)·K (so a group's rows are contiguous in every
    /// layer's buffers, which `perExampleSquaredNorms(count:group:)` relies on).
    func loadAugmented(_ data: LabeledImages, indices: some Collection<Int>, _ augmentation: ImageShiftAugmentation,
                       using generator: inout ChaCha20Generator) {
        precondition(data.isImages && plan.inputSize == LabeledImages.pixelsPerImage, "augmentation translates 28 × 28 images")
        let k = augmentation.multiplicity, d = data.width
        reserve(indices.count * k)
        data.pixels.withUnsafeBufferPointer { pixels in
            for (i, index) in indices.enumerated() {
                precondition(index >= 0 && index < data.count, "example index \(index) out of range")
                for copy in 0..<k {
                    let row = i * k + copy
                    let shift = augmentation.drawShift(using: &generator)
                    ImageShiftAugmentation.translate(pixels.baseAddress! + index * d, by: shift, into: input.pointer + row * d)
                    labels.pointer[row] = data.labels[index]
                }
            }
        }
    }
}

extension GradientEngine {
    /// DP-SGD's clipped gradient sum with augmentation multiplicity: for each example of
    /// `data[indices]`, the mean gradient of its K translated copies, clipped to `maxGradNorm`,
    /// summed over the examples. `perExampleNorms` are the norms of those means and `lossSum`
    /// the sum over examples of their copies' mean loss.
    public func clippedGradientSum(parameters: [Float], data: LabeledImages, indices: [Int], maxGradNorm: Float,
                                   augmentation: ImageShiftAugmentation,
                                   using generator: inout ChaCha20Generator) -> ClippedGradientSum {
        workspace.loadAugmented(data, indices: indices, augmentation, using: &generator)
        return clippedGradientSumOfLoaded(parameters: parameters, count: indices.count, maxGradNorm: maxGradNorm,
                                          group: augmentation.multiplicity)
    }
}
