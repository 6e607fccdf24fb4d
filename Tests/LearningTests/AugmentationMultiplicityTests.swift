import XCTest
import Randomness
@testable import Learning

/// Augmentation multiplicity (De et al. 2022) against an independent computation: each example's
/// K shifted copies built by hand, each copy's gradient by the ordinary one-example backward pass,
/// averaged, clipped and summed — what the grouped ghost-clipping path must equal.
final class AugmentationMultiplicityTests: XCTestCase {
    private func norm(_ v: [Float]) -> Double { v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }

    private func fixture(_ architecture: Architecture, count: Int) -> ([Float], LabeledImages) {
        var g = testGenerator("augment/\(architecture)")
        let parameters = Model(architecture: architecture, generator: &g).parameters
        return (parameters, sharedMNIST.train.subset(Array(stride(from: 11, to: 11 + 41 * count, by: 41))))
    }

    private func shifted(_ image: ArraySlice<Float>, _ shift: (dx: Int, dy: Int)) -> [Float] {
        let source = Array(image)
        var target = [Float](repeating: 0, count: 784)
        source.withUnsafeBufferPointer { s in
            target.withUnsafeMutableBufferPointer { t in ImageShiftAugmentation.translate(s.baseAddress!, by: shift, into: t.baseAddress!) }
        }
        return target
    }

    func testTranslationMovesEveryPixelAndFillsWithZero() {
        let image = (0..<784).map { Float($0 + 1) }
        for (dx, dy) in [(0, 0), (1, 0), (0, -2), (-2, 2), (2, 1)] {
            let out = shifted(image[...], (dx, dy))
            for y in 0..<28 {
                for x in 0..<28 {
                    let sx = x - dx, sy = y - dy
                    let expected: Float = (0..<28).contains(sx) && (0..<28).contains(sy) ? image[sy * 28 + sx] : 0
                    XCTAssertEqual(out[y * 28 + x], expected, "(\(dx), \(dy)) at (\(x), \(y))")
                }
            }
        }
    }

    func testShiftsAreUniformOverTheSquare() {
        let augmentation = ImageShiftAugmentation(multiplicity: 1, maxShift: 2)
        var g = testGenerator("augment/shifts")
        var counts = [Int](repeating: 0, count: 25)
        let draws = 25_000
        for _ in 0..<draws {
            let s = augmentation.drawShift(using: &g)
            XCTAssertTrue((-2...2).contains(s.dx) && (-2...2).contains(s.dy))
            counts[(s.dy + 2) * 5 + s.dx + 2] += 1
        }
        let expected = Double(draws) / 25
        let chiSquare = counts.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
        XCTAssertLessThan(chiSquare, 51.2, "χ² with 24 degrees of freedom, p = 0.001")
    }

    func testOneUnshiftedCopyIsPlainDPSGDBitForBit() {
        let architecture = Architecture.cnn(activation: .tanh)
        let (parameters, data) = fixture(architecture, count: 20)
        let engine = GradientEngine(architecture: architecture, threads: 2)
        let plain = engine.clippedGradientSum(parameters: parameters, data: data, indices: Array(0..<20), maxGradNorm: 0.3)
        var g = testGenerator("augment/identity")
        let one = engine.clippedGradientSum(parameters: parameters, data: data, indices: Array(0..<20), maxGradNorm: 0.3,
                                            augmentation: ImageShiftAugmentation(multiplicity: 1, maxShift: 0), using: &g)
        XCTAssertEqual(one.gradientSum.map(\.bitPattern), plain.gradientSum.map(\.bitPattern))
        XCTAssertEqual(one.perExampleNorms, plain.perExampleNorms)
        XCTAssertEqual(one.lossSum, plain.lossSum)
    }

    func testGroupedClippingEqualsTheClippedMeanOfEachExamplesCopies() {
        for architecture in [Architecture.mlp, .cnn(activation: .tanh), .cnn(activation: .relu)] {
            let (parameters, data) = fixture(architecture, count: 6)
            let augmentation = ImageShiftAugmentation(multiplicity: 3, maxShift: 2)
            var drawn = testGenerator("augment/\(architecture)/shifts")
            var replay = drawn
            // The reference: the same shifts in the same order, one copy at a time.
            let single = GradientEngine(architecture: architecture, threads: 1, batchCapacity: 1)
            var means: [[Float]] = [], losses: [Double] = []
            for i in 0..<data.count {
                var mean = [Double](repeating: 0, count: parameters.count), loss = 0.0
                for _ in 0..<augmentation.multiplicity {
                    let image = shifted(data.pixels[(i * 784)..<((i + 1) * 784)], augmentation.drawShift(using: &replay))
                    let (l, gradient) = single.meanLossAndGradient(parameters: parameters, images: image, labels: [data.labels[i]])
                    for j in gradient.indices { mean[j] += Double(gradient[j]) / Double(augmentation.multiplicity) }
                    loss += l / Double(augmentation.multiplicity)
                }
                means.append(mean.map(Float.init))
                losses.append(loss)
            }
            let norms = means.map(norm)
            let bound = Float(norms.sorted()[norms.count / 2])   // about half are clipped
            var expected = [Double](repeating: 0, count: parameters.count)
            for (g, n) in zip(means, norms) {
                let factor = min(1, Double(bound) / (n + 1e-6))
                for j in g.indices { expected[j] += factor * Double(g[j]) }
            }
            let engine = GradientEngine(architecture: architecture, threads: 2)
            let result = engine.clippedGradientSum(parameters: parameters, data: data, indices: Array(0..<data.count),
                                                   maxGradNorm: bound, augmentation: augmentation, using: &drawn)
            XCTAssertEqual(result.count, data.count)
            for (fast, slow) in zip(result.perExampleNorms, norms) {
                XCTAssertEqual(Double(fast), slow, accuracy: 1e-4 * slow, "\(architecture)")
            }
            XCTAssertEqual(result.lossSum, losses.reduce(0, +), accuracy: 1e-4 * losses.reduce(0, +))
            let difference = zip(result.gradientSum, expected).map { Float(Double($0) - $1) }
            XCTAssertLessThan(norm(difference), 1e-4 * norm(expected.map(Float.init)), "\(architecture)")
            XCTAssertEqual(drawn.next(), replay.next(), "two draws per copy, as the reference made")
        }
    }

    func testAugmentedSumIsBitIdenticalForOneAndTwoThreads() {
        let architecture = Architecture.cnn(activation: .tanh)
        let (parameters, data) = fixture(architecture, count: 24)
        let augmentation = ImageShiftAugmentation(multiplicity: 4)
        var sums: [ClippedGradientSum] = []
        for threads in [1, 2] {
            var g = testGenerator("augment/threads")
            sums.append(GradientEngine(architecture: architecture, threads: threads)
                .clippedGradientSum(parameters: parameters, data: data, indices: Array(0..<24), maxGradNorm: 0.5,
                                    augmentation: augmentation, using: &g))
        }
        XCTAssertEqual(sums[0].gradientSum.map(\.bitPattern), sums[1].gradientSum.map(\.bitPattern))
        XCTAssertEqual(sums[0].perExampleNorms, sums[1].perExampleNorms)
    }
}
