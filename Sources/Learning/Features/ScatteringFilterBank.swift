/// The wavelet filter bank of the 2-D scattering transform, in the Fourier domain, as Kymatio
/// builds it (Andreux et al., "Kymatio: Scattering Transforms in Python", JMLR 2020; the
/// filters of Bruna & Mallat, "Invariant Scattering Convolution Networks", TPAMI 2013, §3).
///
/// For scale j in 0..<J and orientation θ in 0..<L, a Morlet wavelet ψ_{j,θ} with
/// σ = 0.8·2^j, centre frequency ξ = (3π/4)/2^j, orientation (L/2 − 1 − θ)·π/L and slant 4/L;
/// the low-pass φ is a Gaussian with σ = 0.8·2^(J−1). Each is sampled on the n × n grid of the
/// padded image, periodised over the 5 × 5 neighbouring copies of the grid, and transformed;
/// its real part is kept (the filters are symmetric under u → −u up to conjugation, so the
/// imaginary part vanishes). A filter applied after subsampling by 2^r uses its
/// "periodised" version: frequencies that would alias are zeroed and the n/2^r-periodic
/// copies summed (Kymatio's `periodize_filter_fft`).
///
/// Built in Double with `ScalarMath` only (no libm), so the filters have the same bits on every
/// machine; stored in Float.
struct ScatteringFilterBank: Sendable {
    let size: Int
    let scales: Int
    let orientations: Int
    /// `wavelets[j·L + θ][r]`: ψ_{j,θ} at resolution r (side size >> r), real, row-major.
    let wavelets: [[[Float]]]
    /// `lowPass[r]`: φ at resolution r, r in 0..<J.
    let lowPass: [[Float]]

    init(size: Int, scales J: Int, orientations L: Int) {
        precondition(J >= 1 && L >= 1, "need at least one scale and one orientation")
        precondition(size % (1 << J) == 0, "the padded size must be a multiple of 2^J")
        self.size = size
        scales = J
        orientations = L
        var wavelets: [[[Float]]] = []
        for j in 0..<J {
            for theta in 0..<L {
                let angle = Double(L / 2 - 1 - theta) * Double.pi / Double(L)
                let spatial = Self.morlet(size: size, sigma: 0.8 * Double(1 << j), theta: angle,
                                          xi: 0.75 * Double.pi / Double(1 << j), slant: 4 / Double(L))
                let fourier = Self.realFourier(spatial, size: size)
                wavelets.append((0..<J).map { Self.periodize(fourier, size: size, resolution: $0).map(Float.init) })
            }
        }
        self.wavelets = wavelets
        let phi = Self.realFourier(Self.gabor(size: size, sigma: 0.8 * Double(1 << (J - 1)), theta: 0, xi: 0, slant: 1),
                                   size: size)
        lowPass = (0..<J).map { Self.periodize(phi, size: size, resolution: $0).map(Float.init) }
    }

    /// A Gabor filter g(u) = e^{−uᵀ R D R⁻¹ u / 2σ² + i ξ (u₁ cos θ + u₂ sin θ)} / (2πσ²/slant),
    /// D = diag(1, slant²), on the periodic n × n grid (u₁ the row, u₂ the column coordinate).
    static func gabor(size n: Int, sigma: Double, theta: Double, xi: Double, slant: Double) -> (re: [Double], im: [Double]) {
        let (ct, st) = ScalarMath.cosSin(theta)
        // R·D·R⁻¹ with R the rotation by θ.
        let s2 = slant * slant
        let c00 = (ct * ct + s2 * st * st) / (2 * sigma * sigma)
        let c01 = (ct * st - s2 * st * ct) / (2 * sigma * sigma)
        let c11 = (st * st + s2 * ct * ct) / (2 * sigma * sigma)
        var re = [Double](repeating: 0, count: n * n), im = re
        let norm = 2 * Double.pi * sigma * sigma / slant
        for ex in -2...2 {
            for ey in -2...2 {
                for a in 0..<n {
                    let x = Double(a + ex * n)
                    for b in 0..<n {
                        let y = Double(b + ey * n)
                        let magnitude = ScalarMath.exp(-(c00 * x * x + 2 * c01 * x * y + c11 * y * y))
                        if magnitude == 0 { continue }
                        let phase = ScalarMath.cosSin(xi * (x * ct + y * st))
                        re[a * n + b] += magnitude * phase.cos
                        im[a * n + b] += magnitude * phase.sin
                    }
                }
            }
        }
        for i in 0..<(n * n) {
            re[i] /= norm
            im[i] /= norm
        }
        return (re, im)
    }

    /// A Morlet wavelet: the Gabor filter minus the multiple K of its envelope (the Gabor with
    /// ξ = 0) that makes its sum, hence its zero-frequency response, vanish.
    static func morlet(size n: Int, sigma: Double, theta: Double, xi: Double, slant: Double) -> (re: [Double], im: [Double]) {
        let wave = gabor(size: n, sigma: sigma, theta: theta, xi: xi, slant: slant)
        let envelope = gabor(size: n, sigma: sigma, theta: theta, xi: 0, slant: slant)
        var wr = 0.0, wi = 0.0, er = 0.0, ei = 0.0
        for i in 0..<(n * n) {
            wr += wave.re[i]; wi += wave.im[i]; er += envelope.re[i]; ei += envelope.im[i]
        }
        // K = (wr + i·wi) / (er + i·ei).
        let d = er * er + ei * ei
        let kr = (wr * er + wi * ei) / d, ki = (wi * er - wr * ei) / d
        var re = wave.re, im = wave.im
        for i in 0..<(n * n) {
            re[i] -= kr * envelope.re[i] - ki * envelope.im[i]
            im[i] -= kr * envelope.im[i] + ki * envelope.re[i]
        }
        return (re, im)
    }

    /// Re of the 2-D DFT (numpy's `fft2` sign convention), directly from the definition in Double.
    static func realFourier(_ x: (re: [Double], im: [Double]), size n: Int) -> [Double] {
        let unit = (0..<n).map { ScalarMath.cosSin(2 * Double.pi * Double($0) / Double(n)) }
        var out = [Double](repeating: 0, count: n * n)
        for k1 in 0..<n {
            for k2 in 0..<n {
                var total = 0.0
                for a in 0..<n {
                    for b in 0..<n {
                        // Re[(xr + i·xi)·e^{−iφ}] = xr cos φ + xi sin φ.
                        let w = unit[(a * k1 + b * k2) % n]
                        total += x.re[a * n + b] * w.cos + x.im[a * n + b] * w.sin
                    }
                }
                out[k1 * n + k2] = total
            }
        }
        return out
    }

    /// The filter for a signal subsampled by 2^r: zero the frequencies in the middle band that
    /// would alias, then sum the (n/2^r)-periodic copies (Kymatio's `periodize_filter_fft`).
    static func periodize(_ x: [Double], size n: Int, resolution r: Int) -> [Double] {
        let factor = 1 << r, m = n / factor
        let start = Int(Double(n) / Double(2 * factor)), length = Int(Double(n) * (1 - 1 / Double(factor)))
        let band = start..<(start + length)
        var out = [Double](repeating: 0, count: m * m)
        for a in 0..<n where !band.contains(a) {
            for b in 0..<n where !band.contains(b) {
                out[(a % m) * m + (b % m)] += x[a * n + b]
            }
        }
        return out
    }
}
