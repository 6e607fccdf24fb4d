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
                        y[o + ch] = x[first + ch]
                        arg[o + ch] = Int32(first + ch)
                    }
                    for kh in 0..<g.kernel {
                        for kw in 0..<g.kernel where kh != 0 || kw != 0 {
                            let start = ((oh * g.stride + kh) * g.width + ow * g.stride + kw) * c
                            for ch in 0..<c where x[start + ch] > y[o + ch] {
                                y[o + ch] = x[start + ch]
                                arg[o + ch] = Int32(start + ch)
                            }
                        }
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
