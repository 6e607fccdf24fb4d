/// Group normalisation without learned scale or shift (Wu & He, "Group Normalization",
/// ECCV 2018): the channels of one example are cut into groups of `channels / groups`
/// consecutive channels, and each group, over all positions, is shifted to mean 0 and scaled to
/// variance 1: y = (x − μ) / √(σ² + ε), ε = 10⁻⁵ as in PyTorch.
///
/// Why this and not batch normalisation: each example is normalised by its own statistics, so
/// its output (and gradient) depends on no other example — DP-SGD's per-example clipping and the
/// add/remove-one neighbour relation stay intact — and no statistic of the private training
/// set is computed or released. Tramèr & Boneh (ICLR 2021, §3) use it on scattering features
/// for the same reason, instead of normalising them by the dataset's per-channel mean and
/// variance, which would leak. The learned affine part of PyTorch's GroupNorm is left out: in
/// front of an affine layer, a per-channel scale and shift is absorbed by that layer's weights
/// and bias, so it adds no capacity.
struct GroupNormGeometry: Hashable {
    let positions, channels, groups: Int
    var size: Int { positions * channels }
    var channelsPerGroup: Int { channels / groups }
    static let epsilon = 1e-5
}

enum GroupNorm {
    /// Mean and 1/√(var + ε) of group `g` of one example (NHWC), summed in Double in a fixed order.
    @inline(__always)
    private static func statistics(_ geometry: GroupNormGeometry, _ x: UnsafePointer<Float>, group g: Int)
        -> (mean: Double, inverseDeviation: Double) {
        let c = geometry.channels, width = geometry.channelsPerGroup, lo = g * width
        let count = Double(geometry.positions * width)
        var sum = 0.0
        for p in 0..<geometry.positions {
            for k in lo..<(lo + width) { sum += Double(x[p * c + k]) }
        }
        let mean = sum / count
        var squares = 0.0
        for p in 0..<geometry.positions {
            for k in lo..<(lo + width) {
                let d = Double(x[p * c + k]) - mean
                squares += d * d
            }
        }
        return (mean, 1 / (squares / count + GroupNormGeometry.epsilon).squareRoot())
    }

    /// y = (x − μ)/σ per group, for examples `examples`.
    static func forward(_ geometry: GroupNormGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        examples: Range<Int>) {
        let c = geometry.channels, width = geometry.channelsPerGroup
        for i in examples {
            let x = input + i * geometry.size, y = output + i * geometry.size
            for g in 0..<geometry.groups {
                let (mean, inverse) = statistics(geometry, x, group: g)
                for p in 0..<geometry.positions {
                    for k in (g * width)..<((g + 1) * width) { y[p * c + k] = Float((Double(x[p * c + k]) - mean) * inverse) }
                }
            }
        }
    }

    /// dx = (dy − mean(dy) − y·mean(dy ⊙ y)) / σ per group, the derivative of the normalisation
    /// (Ioffe & Szegedy 2015, §3, with the batch replaced by one example's group); σ is recomputed
    /// from the input by the same operations as the forward pass, and y is the forward output.
    static func backward(_ geometry: GroupNormGeometry, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                         examples: Range<Int>) {
        let c = geometry.channels, width = geometry.channelsPerGroup
        let count = Double(geometry.positions * width)
        for i in examples {
            let offset = i * geometry.size
            let x = input + offset, y = output + offset, dy = outputGradient + offset, dx = inputGradient + offset
            for g in 0..<geometry.groups {
                let inverse = statistics(geometry, x, group: g).inverseDeviation
                let channels = (g * width)..<((g + 1) * width)
                var meanDy = 0.0, meanDyY = 0.0
                for p in 0..<geometry.positions {
                    for k in channels {
                        meanDy += Double(dy[p * c + k])
                        meanDyY += Double(dy[p * c + k]) * Double(y[p * c + k])
                    }
                }
                meanDy /= count
                meanDyY /= count
                for p in 0..<geometry.positions {
                    for k in channels {
                        let j = p * c + k
                        dx[j] = Float((Double(dy[j]) - meanDy - Double(y[j]) * meanDyY) * inverse)
                    }
                }
            }
        }
    }
}
