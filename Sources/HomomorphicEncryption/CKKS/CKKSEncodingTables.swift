import Foundation

/// Tables of the "special FFT" that evaluates a real polynomial of Z[X]/(X^N + 1) at the
/// primitive 2N-th roots ζ^{5^j} (j < N/2), i.e. the canonical embedding restricted to one
/// root of each conjugate pair (Cheon, Kim, Kim, Song 2017, section 3.1; the radix-2 variant
/// of HEAAN). The slot order follows the powers of 5, so slot j is m(ζ^{5^j}).
final class CKKSEncodingTables: Sendable {
    let slots: Int
    /// Twiddles of all stages, concatenated: stage with half-length h uses entries [h−1, 2h−1).
    let twiddleReal: [Double]
    let twiddleImaginary: [Double]
    /// Bit-reversal permutation of 0..<slots.
    let bitReversal: [Int]

    init(degree: Int) {
        let n = degree / 2
        let m = 2 * degree
        slots = n
        var rotationGroup = [Int](repeating: 1, count: n)
        for j in 1..<max(n, 1) { rotationGroup[j] = rotationGroup[j - 1] * 5 % m }
        var re: [Double] = [], im: [Double] = []
        var length = 2
        while length <= n {
            let half = length / 2, quarterPeriod = length * 4
            for j in 0..<half {
                // Angle 2π · (5^j mod 4·len) / (4·len).
                let k = rotationGroup[j] % quarterPeriod
                let angle = 2 * Double.pi * Double(k) / Double(quarterPeriod)
                re.append(cos(angle))
                im.append(sin(angle))
            }
            length *= 2
        }
        twiddleReal = re
        twiddleImaginary = im
        let bits = n.trailingZeroBitCount
        bitReversal = (0..<n).map { NTTTables.bitReverse($0, bits: bits) }
    }

    /// Evaluation: coefficients-as-complex (a_j + i·a_{j+n}) → slot values, in place.
    func forward(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>) {
        permute(re, im)
        twiddleReal.withUnsafeBufferPointer { wrBuffer in
            twiddleImaginary.withUnsafeBufferPointer { wiBuffer in
                let wr = wrBuffer.baseAddress!, wi = wiBuffer.baseAddress!
                var length = 2
                while length <= slots {
                    let half = length / 2, base = half - 1
                    var start = 0
                    while start < slots {
                        for j in 0..<half {
                            let a = start + j, b = a + half
                            let cr = wr[base + j], ci = wi[base + j]
                            let vr = re[b] * cr - im[b] * ci, vi = re[b] * ci + im[b] * cr
                            let ur = re[a], ui = im[a]
                            re[a] = ur + vr; im[a] = ui + vi
                            re[b] = ur - vr; im[b] = ui - vi
                        }
                        start += length
                    }
                    length *= 2
                }
            }
        }
    }

    /// Interpolation, the inverse of `forward` (conjugate twiddles, reversed stages, 1/n).
    func inverse(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>) {
        twiddleReal.withUnsafeBufferPointer { wrBuffer in
            twiddleImaginary.withUnsafeBufferPointer { wiBuffer in
                let wr = wrBuffer.baseAddress!, wi = wiBuffer.baseAddress!
                var length = slots
                while length >= 2 {
                    let half = length / 2, base = half - 1
                    var start = 0
                    while start < slots {
                        for j in 0..<half {
                            let a = start + j, b = a + half
                            let ur = re[a] + re[b], ui = im[a] + im[b]
                            let dr = re[a] - re[b], di = im[a] - im[b]
                            let cr = wr[base + j], ci = -wi[base + j]
                            re[a] = ur; im[a] = ui
                            re[b] = dr * cr - di * ci; im[b] = dr * ci + di * cr
                        }
                        start += length
                    }
                    length /= 2
                }
            }
        }
        permute(re, im)
        let inv = 1.0 / Double(slots)
        for j in 0..<slots { re[j] *= inv; im[j] *= inv }
    }

    private func permute(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>) {
        bitReversal.withUnsafeBufferPointer { rev in
            for j in 0..<slots {
                let k = rev[j]
                if j < k {
                    swap(&re[j], &re[k])
                    swap(&im[j], &im[k])
                }
            }
        }
    }
}
