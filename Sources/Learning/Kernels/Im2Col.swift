/// im2col lowering of a convolution to a matrix multiply (Chellapilla, Puri, Simard,
/// "High Performance Convolutional Neural Networks for Document Processing", 2006).
///
/// For NHWC input, row `(n, oh, ow)` of the column matrix holds the input patch under output
/// position (oh, ow) of example n, in (kernel row, kernel column, channel) order; positions that
/// fall in the zero padding hold 0. The convolution is then `Y = cols · Wᵀ + b`.
enum Im2Col {
    /// Visits every (im2col row segment, input pixel) pair of example `n` in row order: `body`
    /// gets the segment of `inChannels` floats in the column matrix and the input pixel offset
    /// it mirrors, or nil when the segment lies in the zero padding.
    @inline(__always)
    private static func forEachSegment(_ g: ConvGeometry, example n: Int, _ body: (Int, Int?) -> Void) {
        var segment = n * g.positions * g.patch
        for oh in 0..<g.outHeight {
            for ow in 0..<g.outWidth {
                for kh in 0..<g.kernel {
                    let ih = oh * g.stride - g.padding + kh
                    for kw in 0..<g.kernel {
                        let iw = ow * g.stride - g.padding + kw
                        let inside = ih >= 0 && ih < g.height && iw >= 0 && iw < g.width
                        body(segment, inside ? (n * g.height + ih) * g.width * g.inChannels + iw * g.inChannels : nil)
                        segment += g.inChannels
                    }
                }
            }
        }
    }

    /// Writes the column matrix of examples `examples` (each `g.positions × g.patch` floats).
    static func lower(_ g: ConvGeometry, input: UnsafePointer<Float>, cols: UnsafeMutablePointer<Float>,
                      examples: Range<Int>) {
        let c = g.inChannels
        for n in examples {
            forEachSegment(g, example: n) { segment, pixel in
                if let pixel {
                    (cols + segment).update(from: input + pixel, count: c)
                } else {
                    (cols + segment).update(repeating: 0, count: c)
                }
            }
        }
    }

    /// The adjoint of `lower`: scatters (adds) column-matrix gradients back onto the input
    /// gradient, which it first zeroes. Segments are visited in a fixed order.
    static func raise(_ g: ConvGeometry, cols: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                      examples: Range<Int>) {
        let inSize = g.height * g.width * g.inChannels
        let c = g.inChannels
        for n in examples {
            (inputGradient + n * inSize).update(repeating: 0, count: inSize)
            forEachSegment(g, example: n) { segment, pixel in
                guard let pixel else { return }
                let d = inputGradient + pixel, s = cols + segment
                for ch in 0..<c { d[ch] += s[ch] }
            }
        }
    }
}

/// Max-pooling on NHWC activations, remembering the winning input index for the backward pass.
enum MaxPool {
    /// Forward: `output[n, oh, ow, c] = max over the window`; ties go to the first element in
    /// (kernel row, kernel column) order. `argmax` receives the input offset within the example.
    static func forward(_ g: PoolGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        argmax: UnsafeMutablePointer<Int32>, examples: Range<Int>) {
        let c = g.channels
        for n in examples {
            let x = input + n * g.inputSize
            let y = output + n * g.outputSize
            let arg = argmax + n * g.outputSize
            for oh in 0..<g.outHeight {
                for ow in 0..<g.outWidth {
                    let o = (oh * g.outWidth + ow) * c
                    let first = (oh * g.stride * g.width + ow * g.stride) * c
                    for ch in 0..<c {
                        var best = x[first + ch]
                        var bestIndex = first + ch
                        for kh in 0..<g.kernel {
                            for kw in 0..<g.kernel {
                                let i = ((oh * g.stride + kh) * g.width + ow * g.stride + kw) * c + ch
                                if x[i] > best {
                                    best = x[i]
                                    bestIndex = i
                                }
                            }
                        }
                        y[o + ch] = best
                        arg[o + ch] = Int32(bestIndex)
                    }
                }
            }
        }
    }

    /// Backward: zeroes the input gradient and adds each output gradient to its window's winner.
    static func backward(_ g: PoolGeometry, outputGradient: UnsafePointer<Float>, argmax: UnsafePointer<Int32>,
                         inputGradient: UnsafeMutablePointer<Float>, examples: Range<Int>) {
        for n in examples {
            let dx = inputGradient + n * g.inputSize
            dx.update(repeating: 0, count: g.inputSize)
            let dy = outputGradient + n * g.outputSize
            let arg = argmax + n * g.outputSize
            for o in 0..<g.outputSize { dx[Int(arg[o])] += dy[o] }
        }
    }
}
