import Foundation
import XCTest
@testable import Learning

/// The scattering transform against computations that share none of its Fourier-domain code.
final class ScatteringTransformTests: XCTestCase {
    func testCosSinMatchesTheCLibraryToDoublePrecision() {
        for x in stride(from: -40.0, through: 40.0, by: 0.0137) {
            let (c, s) = ScalarMath.cosSin(x)
            XCTAssertEqual(c, Foundation.cos(x), accuracy: 1e-15, "cos \(x)")
            XCTAssertEqual(s, Foundation.sin(x), accuracy: 1e-15, "sin \(x)")
        }
    }

    /// Forward against the definition summed in Double; Parseval (Σ|x|² = Σ|X|²/n²); inverse ∘ forward = id.
    func testSquareDFTMatchesTheDefinitionParsevalAndInverts() {
        var g = testGenerator("dft")
        for n in [9, 18, 36] {
            let re = uniformFloats(n * n, -1, 1, &g), im = uniformFloats(n * n, -1, 1, &g)
            var xr = re, xi = im, sr = [Float](repeating: 0, count: n * n), si = sr
            let dft = SquareDFT(size: n)
            dft.transform(re: &xr, im: &xi, inverse: false, scratchRe: &sr, scratchIm: &si)
            var energy = 0.0, spectrum = 0.0, worst = 0.0
            for k1 in 0..<n {
                for k2 in 0..<n {
                    var tr = 0.0, ti = 0.0
                    for a in 0..<n {
                        for b in 0..<n {
                            let phi = -2 * Double.pi * Double(a * k1 + b * k2) / Double(n)
                            tr += Double(re[a * n + b]) * Foundation.cos(phi) - Double(im[a * n + b]) * Foundation.sin(phi)
                            ti += Double(re[a * n + b]) * Foundation.sin(phi) + Double(im[a * n + b]) * Foundation.cos(phi)
                        }
                    }
                    worst = max(worst, abs(tr - Double(xr[k1 * n + k2])), abs(ti - Double(xi[k1 * n + k2])))
                    spectrum += Double(xr[k1 * n + k2] * xr[k1 * n + k2] + xi[k1 * n + k2] * xi[k1 * n + k2])
                }
            }
            for i in 0..<(n * n) { energy += Double(re[i] * re[i] + im[i] * im[i]) }
            XCTAssertLessThan(worst, 1e-4 * Double(n), "DFT \(n) against the definition")
            XCTAssertEqual(spectrum / Double(n * n), energy, accuracy: 1e-4 * energy, "Parseval, n = \(n)")
            dft.transform(re: &xr, im: &xi, inverse: true, scratchRe: &sr, scratchIm: &si)
            for i in 0..<(n * n) {
                XCTAssertEqual(xr[i], re[i], accuracy: 1e-5)
                XCTAssertEqual(xi[i], im[i], accuracy: 1e-5)
            }
        }
    }

    /// Morlet wavelets are band-pass (ψ̂(0) = 0, the point of subtracting K·envelope) and the
    /// Gaussian low-pass has unit gain (φ̂(0) = Σ φ = 1).
    func testWaveletsHaveZeroMeanAndTheLowPassHasUnitGain() {
        let bank = ScatteringFilterBank(size: 36, scales: 2, orientations: 8)
        XCTAssertEqual(bank.wavelets.count, 16)
        for psi in bank.wavelets { XCTAssertEqual(psi[0][0], 0, accuracy: 1e-6) }
        XCTAssertEqual(bank.lowPass[0][0], 1, accuracy: 1e-4)
        XCTAssertEqual(bank.lowPass[1].count, 18 * 18)
    }

    /// S₀ = (x ⋆ φ)↓2^J and S₁ = (|x ⋆ ψ_{0,0}| ⋆ φ)↓2^J by circular convolution in the space
    /// domain, in Double, on the reflect-padded image — no DFT involved.
    func testZerothAndFirstOrderMatchSpatialConvolution() {
        let m = 12, scales = 2, orientations = 2
        let transform = ScatteringTransform(imageSide: m, scales: scales, orientations: orientations)
        let n = transform.paddedSide, side = transform.outputSide, channels = transform.channels
        XCTAssertEqual(channels, 1 + 2 * 2 + 4)
        var g = testGenerator("scatter/spatial")
        let image = uniformFloats(m * m, 0, 1, &g)
        let features = transform.features(of: LabeledImages(features: image, width: m * m, labels: [0]), threads: 1)

        let left = (n - m) / 2
        func reflect(_ i: Int) -> Int { i < 0 ? -i : (i >= m ? 2 * (m - 1) - i : i) }
        var padded = [Double](repeating: 0, count: n * n)
        for a in 0..<n { for b in 0..<n { padded[a * n + b] = Double(image[reflect(a - left) * m + reflect(b - left)]) } }
        func convolve(_ x: [Double], _ xi: [Double], _ f: (re: [Double], im: [Double])) -> (re: [Double], im: [Double]) {
            var outRe = [Double](repeating: 0, count: n * n), outIm = outRe
            for a in 0..<n { for b in 0..<n {
                var sr = 0.0, si = 0.0
                for u in 0..<n { for v in 0..<n {
                    let s = ((a - u) % n + n) % n * n + ((b - v) % n + n) % n
                    sr += x[s] * f.re[u * n + v] - xi[s] * f.im[u * n + v]
                    si += x[s] * f.im[u * n + v] + xi[s] * f.re[u * n + v]
                } }
                outRe[a * n + b] = sr
                outIm[a * n + b] = si
            } }
            return (outRe, outIm)
        }
        let zero = [Double](repeating: 0, count: n * n)
        let phi = ScatteringFilterBank.gabor(size: n, sigma: 0.8 * 2, theta: 0, xi: 0, slant: 1)
        let psi = ScatteringFilterBank.morlet(size: n, sigma: 0.8, theta: 0, xi: 0.75 * Double.pi, slant: 4 / Double(orientations))
        let s0 = convolve(padded, zero, phi).re
        let u1 = convolve(padded, zero, psi)
        let modulus = (0..<(n * n)).map { (u1.re[$0] * u1.re[$0] + u1.im[$0] * u1.im[$0]).squareRoot() }
        let s1 = convolve(modulus, zero, phi).re
        let step = 1 << scales
        for h in 0..<side {
            for w in 0..<side {
                let at = (h + 1) * step * n + (w + 1) * step
                XCTAssertEqual(Double(features.pixels[(h * side + w) * channels]), s0[at], accuracy: 1e-4, "S0 at \(h),\(w)")
                XCTAssertEqual(Double(features.pixels[(h * side + w) * channels + 1]), s1[at], accuracy: 1e-4, "S1 at \(h),\(w)")
            }
        }
    }

    /// MNIST at Tramèr & Boneh's settings: 81 × 7 × 7, the same bits on one thread and on two.
    func testMNISTFeaturesHaveTheirShapeAndDoNotDependOnThreads() {
        let images = sharedMNIST.train.prefix(24)
        let transform = ScatteringTransform()
        let one = transform.features(of: images, threads: 1), two = transform.features(of: images, threads: 2)
        XCTAssertEqual(one.width, 81 * 7 * 7)
        XCTAssertEqual(one.width, Architecture.scatterLinear.inputSize)
        XCTAssertEqual(one.labels, images.labels)
        XCTAssertEqual(one.pixels.map(\.bitPattern), two.pixels.map(\.bitPattern))
        XCTAssertTrue(one.pixels.allSatisfy(\.isFinite))
        // Each example's features depend on that example alone.
        let alone = transform.features(of: images.subset([5]), threads: 1)
        XCTAssertEqual(alone.pixels, Array(one.pixels[(5 * one.width)..<(6 * one.width)]))
    }
}
