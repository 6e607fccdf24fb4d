import Foundation

/// In-place radix-2 complex FFT on split real/imaginary `Double` arrays.
///
/// Iterative Cooley–Tukey (decimation in time): a bit-reversal permutation followed by log₂ n
/// butterfly passes. Twiddle factors are computed once per size directly as cos/sin(2πk/n)
/// (never by recurrence, whose rounding error grows with k), so the transform's error is
/// O(ε_machine · log n) relative to the input's L2 norm. The PLD accountant uses it to compose
/// privacy loss distributions: a T-fold convolution becomes a T-th power in frequency space.
struct FFT: Sendable {
    let size: Int
    let logSize: Int
    private let cosines: [Double]
    private let sines: [Double]

    /// - Parameter size: a power of two ≥ 1.
    init(size: Int) {
        precondition(size > 0 && size & (size - 1) == 0, "FFT size must be a power of two")
        self.size = size
        self.logSize = size.trailingZeroBitCount
        let half = max(1, size / 2)
        var c = [Double](repeating: 1, count: half), s = [Double](repeating: 0, count: half)
        for k in 0..<half where size > 1 {
            let angle = 2 * Double.pi * Double(k) / Double(size)
            c[k] = cos(angle)
            s[k] = sin(angle)
        }
        cosines = c
        sines = s
    }

    /// X[k] = Σ_j x[j] e^{-2πi jk/n}.
    func forward(real: inout [Double], imaginary: inout [Double]) {
        transform(real: &real, imaginary: &imaginary, sign: -1)
    }

    /// x[j] = (1/n) Σ_k X[k] e^{+2πi jk/n}, the inverse of `forward`.
    func inverse(real: inout [Double], imaginary: inout [Double]) {
        transform(real: &real, imaginary: &imaginary, sign: 1)
        let scale = 1 / Double(size)
        for i in 0..<size {
            real[i] *= scale
            imaginary[i] *= scale
        }
    }

    private func transform(real: inout [Double], imaginary: inout [Double], sign: Double) {
        precondition(real.count == size && imaginary.count == size)
        if size == 1 { return }
        real.withUnsafeMutableBufferPointer { re in
            imaginary.withUnsafeMutableBufferPointer { im in
                cosines.withUnsafeBufferPointer { cw in
                    sines.withUnsafeBufferPointer { sw in
                        Self.bitReverse(re, im, logSize: logSize)
                        var half = 1
                        while half < size {
                            let stride = size / (2 * half)  // twiddle index step for this pass
                            var start = 0
                            while start < size {
                                for k in 0..<half {
                                    let wr = cw[k * stride], wi = sign * sw[k * stride]
                                    let a = start + k, b = a + half
                                    let tr = re[b] * wr - im[b] * wi
                                    let ti = re[b] * wi + im[b] * wr
                                    re[b] = re[a] - tr
                                    im[b] = im[a] - ti
                                    re[a] += tr
                                    im[a] += ti
                                }
                                start += 2 * half
                            }
                            half *= 2
                        }
                    }
                }
            }
        }
    }

    /// Reorders to bit-reversed indices with a reversed-binary counter (no per-index bit loop).
    private static func bitReverse(_ re: UnsafeMutableBufferPointer<Double>, _ im: UnsafeMutableBufferPointer<Double>,
                                   logSize: Int) {
        let n = re.count
        var j = 0
        for i in 0..<(n - 1) {
            if i < j {
                re.swapAt(i, j)
                im.swapAt(i, j)
            }
            var bit = n >> 1
            while j & bit != 0 {
                j ^= bit
                bit >>= 1
            }
            j |= bit
        }
    }
}
