/// The 2-D discrete Fourier transform of an n × n complex image, by two matrix passes
/// (rows, then columns), for the small composite sizes of the scattering transform (36, 18, 9
/// for MNIST), which a power-of-two FFT does not cover.
///
/// Convention as numpy's `fft2`/`ifft2`: forward X[k₁,k₂] = Σ x[n₁,n₂]·e^{−2πi(n₁k₁ + n₂k₂)/n},
/// inverse with e^{+2πi…} and a factor 1/n². Every output is one fixed sequence of Float
/// operations (the inner loops run over contiguous outputs, so they vectorise without
/// reassociating any sum), hence the same bits on every run and thread count.
struct SquareDFT: Sendable {
    let size: Int
    /// cos(2π·a·b/n) and sin(2π·a·b/n), `size × size`, row-major.
    private let cosines: [Float]
    private let sines: [Float]

    init(size: Int) {
        precondition(size >= 1, "DFT size must be positive")
        self.size = size
        // Angles from the exact integer a·b mod n, so each entry is rounded once from Double.
        let unit = (0..<size).map { m in ScalarMath.cosSin(2 * Double.pi * Double(m) / Double(size)) }
        var cosines = [Float](repeating: 0, count: size * size), sines = cosines
        for a in 0..<size {
            for b in 0..<size {
                let m = (a * b) % size
                cosines[a * size + b] = Float(unit[m].cos)
                sines[a * size + b] = Float(unit[m].sin)
            }
        }
        self.cosines = cosines
        self.sines = sines
    }

    /// Transforms `re`, `im` (each `size²`, row-major) in place; `scratchRe`, `scratchIm` hold at
    /// least `size²` floats each.
    func transform(re: UnsafeMutablePointer<Float>, im: UnsafeMutablePointer<Float>, inverse: Bool,
                   scratchRe: UnsafeMutablePointer<Float>, scratchIm: UnsafeMutablePointer<Float>) {
        let n = size
        // e^{∓iφ} = cos φ ∓ i·sin φ: (a + ib)(c − i·σs) = (ac + σbs) + i(bc − σas), σ = ±1.
        let sign: Float = inverse ? -1 : 1
        cosines.withUnsafeBufferPointer { cp in
            sines.withUnsafeBufferPointer { sp in
                let c = cp.baseAddress!, s = sp.baseAddress!
                // Rows: T[r, k] = Σ_j x[r, j]·W[j, k].
                for r in 0..<n {
                    let tr = scratchRe + r * n, ti = scratchIm + r * n
                    tr.update(repeating: 0, count: n)
                    ti.update(repeating: 0, count: n)
                    for j in 0..<n {
                        let a = re[r * n + j], b = im[r * n + j]
                        let sa = sign * a, sb = sign * b
                        let cj = c + j * n, sj = s + j * n
                        for k in 0..<n {
                            tr[k] += a * cj[k] + sb * sj[k]
                            ti[k] += b * cj[k] - sa * sj[k]
                        }
                    }
                }
                // Columns: X[k, :] = Σ_j W[k, j]·T[j, :].
                for k in 0..<n {
                    let xr = re + k * n, xi = im + k * n
                    xr.update(repeating: 0, count: n)
                    xi.update(repeating: 0, count: n)
                    for j in 0..<n {
                        let cc = c[k * n + j], ss = sign * s[k * n + j]
                        let tr = scratchRe + j * n, ti = scratchIm + j * n
                        for m in 0..<n {
                            xr[m] += cc * tr[m] + ss * ti[m]
                            xi[m] += cc * ti[m] - ss * tr[m]
                        }
                    }
                }
            }
        }
        if inverse {
            let scale = 1 / Float(n * n)
            for i in 0..<(n * n) {
                re[i] *= scale
                im[i] *= scale
            }
        }
    }
}
