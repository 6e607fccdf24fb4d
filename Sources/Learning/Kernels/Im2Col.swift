/// im2col lowering of a convolution to a matrix multiply (Chellapilla, Puri, Simard,
/// "High Performance Convolutional Neural Networks for Document Processing", 2006).
///
/// For NHWC input, row `(n, oh, ow)` of the column matrix holds the input patch under output
/// position (oh, ow) of example n, in (kernel row, kernel column, channel) order; positions that
/// fall in the zero padding hold 0. The convolution is then `Y = cols · Wᵀ + b`.
enum Im2Col {
    /// Visits the im2col rows of example `n` as runs: for each output position and kernel row,
    /// the `kernel · inChannels` floats of that kernel row are contiguous both in the column
    /// matrix and (for in-bounds columns) in the NHWC input. `body(columnOffset, inputOffset,
    /// count)` gets one in-bounds run; padding is reported as `inputOffset == nil`.
    @inline(__always)
    private static func forEachRun(_ g: ConvGeometry, example n: Int, _ body: (Int, Int?, Int) -> Void) {
        let c = g.inChannels
        var row = n * g.positions * g.patch
        for oh in 0..<g.outHeight {
            for ow in 0..<g.outWidth {
                let iw0 = ow * g.stride - g.padding
                // Kernel columns kw in lo..<hi fall inside the image.
                let lo = max(0, -iw0), hi = min(g.kernel, g.width - iw0)
                for kh in 0..<g.kernel {
                    let ih = oh * g.stride - g.padding + kh
                    let segment = row + kh * g.kernel * c
                    if ih < 0 || ih >= g.height || hi <= lo {
                        body(segment, nil, g.kernel * c)
                        continue
                    }
                    if lo > 0 { body(segment, nil, lo * c) }
                    body(segment + lo * c, ((n * g.height + ih) * g.width + iw0 + lo) * c, (hi - lo) * c)
                    if hi < g.kernel { body(segment + hi * c, nil, (g.kernel - hi) * c) }
                }
                row += g.patch
            }
        }
    }

    /// Writes the column matrix of examples `examples` (each `g.positions × g.patch` floats).
    static func lower(_ g: ConvGeometry, input: UnsafePointer<Float>, cols: UnsafeMutablePointer<Float>,
                      examples: Range<Int>) {
        for n in examples {
            forEachRun(g, example: n) { column, pixel, count in
                if let pixel {
                    (cols + column).update(from: input + pixel, count: count)
                } else {
                    (cols + column).update(repeating: 0, count: count)
                }
            }
        }
    }

    /// The adjoint of `lower`: scatters (adds) column-matrix gradients back onto the input
    /// gradient, which it first zeroes. Runs are visited in a fixed order.
    static func raise(_ g: ConvGeometry, cols: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                      examples: Range<Int>) {
        let inSize = g.height * g.width * g.inChannels
        for n in examples {
            (inputGradient + n * inSize).update(repeating: 0, count: inSize)
            forEachRun(g, example: n) { column, pixel, count in
                guard let pixel else { return }
                let d = inputGradient + pixel, s = cols + column
                for j in 0..<count { d[j] += s[j] }
            }
        }
    }
}
