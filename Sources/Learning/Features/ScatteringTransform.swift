/// The 2-D wavelet scattering transform of order 2 (Mallat, "Group Invariant Scattering",
/// CPAM 2012; Bruna & Mallat, TPAMI 2013), as Kymatio's `Scattering2D` computes it, used as
/// fixed features for private learning by Tramèr & Boneh, "Differentially Private Learning
/// Needs Better Features (or Much More Data)", ICLR 2021: J = 2, L = 8 on 28 × 28 MNIST gives
/// 1 + J·L + L²·J(J−1)/2 = 81 channels at 7 × 7.
///
/// Coefficients: S₀ = x ⋆ φ, S₁ = |x ⋆ ψ_{j₁,θ₁}| ⋆ φ, S₂ = ||x ⋆ ψ_{j₁,θ₁}| ⋆ ψ_{j₂,θ₂}| ⋆ φ
/// for j₂ > j₁, each subsampled by 2^J. As in Kymatio the image is reflect-padded to
/// n = (⌊(M + 2^J)/2^J⌋ + 1)·2^J (36 for MNIST), every convolution is a product in the Fourier
/// domain, each intermediate is subsampled as early as its band allows (by averaging the
/// periodic copies of its spectrum), and the border row and column of the 9 × 9 output are cut.
/// Channels follow Kymatio's order: S₀, then for each (j₁, θ₁) its S₁ followed by its S₂.
///
/// The transform is fixed and data-independent, so computing it on private examples costs no
/// privacy: each example's features depend on that example alone. Output is NHWC (channels
/// fastest), the layout of the network's layers.
public struct ScatteringTransform: Sendable {
    public let imageSide: Int
    public let scales: Int
    public let orientations: Int
    let paddedSide: Int
    let bank: ScatteringFilterBank
    /// `transforms[r]`: the DFT at resolution r (side paddedSide >> r), r in 0...J.
    let transforms: [SquareDFT]

    /// - Parameters:
    ///   - imageSide: M, the side of the square input (28 for MNIST).
    ///   - scales: J (Tramèr & Boneh and Kymatio's MNIST example: 2).
    ///   - orientations: L (Kymatio's default: 8).
    public init(imageSide: Int = 28, scales: Int = 2, orientations: Int = 8) {
        precondition(imageSide >= 2 && scales >= 1 && orientations >= 1, "invalid scattering parameters")
        self.imageSide = imageSide
        self.scales = scales
        self.orientations = orientations
        let padded = Self.paddedSide(imageSide: imageSide, scales: scales)
        precondition((padded - imageSide) / 2 < imageSide, "image too small to reflect-pad")
        paddedSide = padded
        bank = ScatteringFilterBank(size: padded, scales: scales, orientations: orientations)
        transforms = (0...scales).map { SquareDFT(size: padded >> $0) }
    }

    /// Channels per position: 1 + J·L + L²·J(J−1)/2.
    public var channels: Int { Self.channels(scales: scales, orientations: orientations) }
    /// Side of the output grid: n/2^J − 2.
    public var outputSide: Int { Self.outputSide(imageSide: imageSide, scales: scales) }

    /// Kymatio's padded side: (⌊(M + 2^J)/2^J⌋ + 1)·2^J.
    static func paddedSide(imageSide: Int, scales: Int) -> Int {
        let step = 1 << scales
        return ((imageSide + step) / step + 1) * step
    }
    /// 1 + J·L + L²·J(J−1)/2: S₀, one S₁ per wavelet, one S₂ per pair with j₂ > j₁.
    public static func channels(scales: Int, orientations: Int) -> Int {
        1 + scales * orientations + orientations * orientations * scales * (scales - 1) / 2
    }
    /// n/2^J − 2: the subsampled padded grid without its border.
    public static func outputSide(imageSide: Int, scales: Int) -> Int { (paddedSide(imageSide: imageSide, scales: scales) >> scales) - 2 }
    /// Floats per example: outputSide² · channels.
    public var featuresPerExample: Int { outputSide * outputSide * channels }

    /// Scattering features of every example of `data`, as a new set of the same labels.
    /// Examples are cut into `threads` fixed contiguous parts, each with its own buffers; every
    /// example's features are one fixed sequence of operations on that example, so the result
    /// does not depend on `threads`.
    public func features(of data: LabeledImages, threads: Int = 1) -> LabeledImages {
        precondition(data.width == imageSide * imageSide, "scattering expects \(imageSide)×\(imageSide) images")
        let n = data.count, width = featuresPerExample, pixelsPerImage = data.width
        var out = [Float](repeating: 0, count: n * width)
        let parts = max(1, min(threads, n))
        out.withUnsafeMutableBufferPointer { o in
            data.pixels.withUnsafeBufferPointer { p in
                let output = UncheckedSendable(o.baseAddress!), input = UncheckedSendable(p.baseAddress!)
                Parallel.forEach(parts: parts) { part in
                    let buffers = ScatteringBuffers(side: paddedSide)
                    for i in Parallel.range(part: part, of: parts, count: n) {
                        apply(image: input.value + i * pixelsPerImage, into: output.value + i * width, buffers: buffers)
                    }
                }
            }
        }
        return LabeledImages(features: out, width: width, labels: data.labels)
    }

    /// The features of one `imageSide²` image into `output` (`featuresPerExample` floats).
    func apply(image: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, buffers: ScatteringBuffers) {
        let n = paddedSide, J = scales, L = orientations
        let u0 = buffers.levels[0], u1 = buffers.levels[1], u2 = buffers.levels[2]
        reflectPad(image, into: u0)
        transforms[0].transform(re: u0.re, im: u0.im, inverse: false, scratchRe: buffers.scratch.re, scratchIm: buffers.scratch.im)
        var channel = 0
        lowPass(u0, resolution: 0, channel: channel, output: output, buffers: buffers)
        channel += 1
        for j1 in 0..<J {
            for t1 in 0..<L {
                let n1 = j1 * L + t1
                multiplySubsample(u0, side: n, by: bank.wavelets[n1][0], factor: 1 << j1, into: u1)
                modulusInFourier(u1, resolution: j1, buffers: buffers)
                lowPass(u1, resolution: j1, channel: channel, output: output, buffers: buffers)
                channel += 1
                for j2 in (j1 + 1)..<J {
                    for t2 in 0..<L {
                        let n2 = j2 * L + t2
                        multiplySubsample(u1, side: n >> j1, by: bank.wavelets[n2][j1], factor: 1 << (j2 - j1), into: u2)
                        modulusInFourier(u2, resolution: j2, buffers: buffers)
                        lowPass(u2, resolution: j2, channel: channel, output: output, buffers: buffers)
                        channel += 1
                    }
                }
            }
        }
        precondition(channel == channels, "scattering produced \(channel) channels, expected \(channels)")
    }

    /// numpy's `reflect` padding (the edge is not repeated) of the M × M image into the real
    /// part of the n × n buffer; the imaginary part is zeroed.
    private func reflectPad(_ image: UnsafePointer<Float>, into u: ComplexBuffer) {
        let n = paddedSide, m = imageSide, left = (paddedSide - imageSide) / 2
        func reflect(_ i: Int) -> Int { i < 0 ? -i : (i >= m ? 2 * (m - 1) - i : i) }
        for a in 0..<n {
            let row = reflect(a - left)
            for b in 0..<n { u.re[a * n + b] = image[row * m + reflect(b - left)] }
        }
        u.im.update(repeating: 0, count: n * n)
    }

    /// `out = subsample(u ⊙ filter, factor)`: the pointwise product with a real filter, then the
    /// spectrum of the signal subsampled by `factor` in space — the mean of the `factor²`
    /// periodic copies of the spectrum (Kymatio's `subsample_fourier`).
    private func multiplySubsample(_ u: ComplexBuffer, side: Int, by filter: [Float], factor: Int, into out: ComplexBuffer) {
        let m = side / factor
        out.re.update(repeating: 0, count: m * m)
        out.im.update(repeating: 0, count: m * m)
        filter.withUnsafeBufferPointer { f in
            for a in 0..<side {
                let target = (a % m) * m
                for b in 0..<side {
                    let i = a * side + b, t = target + b % m
                    out.re[t] += u.re[i] * f[i]
                    out.im[t] += u.im[i] * f[i]
                }
            }
        }
        if factor > 1 {
            let scale = 1 / Float(factor * factor)
            for t in 0..<(m * m) {
                out.re[t] *= scale
                out.im[t] *= scale
            }
        }
    }

    /// Replaces the spectrum `u` at resolution r by the spectrum of the modulus of its inverse.
    private func modulusInFourier(_ u: ComplexBuffer, resolution r: Int, buffers: ScatteringBuffers) {
        let dft = transforms[r], count = dft.size * dft.size
        dft.transform(re: u.re, im: u.im, inverse: true, scratchRe: buffers.scratch.re, scratchIm: buffers.scratch.im)
        for i in 0..<count {
            u.re[i] = (u.re[i] * u.re[i] + u.im[i] * u.im[i]).squareRoot()
            u.im[i] = 0
        }
        dft.transform(re: u.re, im: u.im, inverse: false, scratchRe: buffers.scratch.re, scratchIm: buffers.scratch.im)
    }

    /// Writes channel `channel` of the output: the real part of the inverse of
    /// subsample(u ⊙ φ, 2^(J−r)) at resolution J, its border cut.
    private func lowPass(_ u: ComplexBuffer, resolution r: Int, channel: Int, output: UnsafeMutablePointer<Float>,
                         buffers: ScatteringBuffers) {
        let low = buffers.lowPass, dft = transforms[scales]
        multiplySubsample(u, side: paddedSide >> r, by: bank.lowPass[r], factor: 1 << (scales - r), into: low)
        dft.transform(re: low.re, im: low.im, inverse: true, scratchRe: buffers.scratch.re, scratchIm: buffers.scratch.im)
        let side = outputSide, full = dft.size, c = channels
        for h in 0..<side {
            for w in 0..<side { output[(h * side + w) * c + channel] = low.re[(h + 1) * full + (w + 1)] }
        }
    }
}

/// A complex image as two separately allocated planes (real, imaginary).
final class ComplexBuffer {
    let re: UnsafeMutablePointer<Float>
    let im: UnsafeMutablePointer<Float>
    init(count: Int) {
        re = .allocate(capacity: count)
        im = .allocate(capacity: count)
        re.initialize(repeating: 0, count: count)
        im.initialize(repeating: 0, count: count)
    }
    deinit {
        re.deallocate()
        im.deallocate()
    }
}

/// One thread's working memory for `ScatteringTransform.apply`: the spectra at resolutions
/// 0, 1, 2 (the input, after the first and after the second wavelet), the low-pass output and the
/// DFT's scratch planes. A class because it is reused, mutated in place, never shared.
final class ScatteringBuffers {
    let levels: [ComplexBuffer]
    let lowPass: ComplexBuffer
    let scratch: ComplexBuffer
    init(side: Int) {
        levels = (0..<3).map { _ in ComplexBuffer(count: side * side) }
        lowPass = ComplexBuffer(count: side * side)
        scratch = ComplexBuffer(count: side * side)
    }
}
