import XCTest
@testable import Learning

final class ClippedGradientTests: XCTestCase {
    private let architectures: [Architecture] = [.mlp, .cnn(activation: .tanh), .cnn(activation: .relu)]

    /// Per-example gradients by the ordinary backward pass, one example at a time.
    private func materialised(_ architecture: Architecture, _ parameters: [Float], _ data: LabeledImages) -> [[Float]] {
        let engine = GradientEngine(architecture: architecture, threads: 1, batchCapacity: 1)
        return (0..<data.count).map { i in
            let one = data.subset([i])
            return engine.meanLossAndGradient(parameters: parameters, images: one.pixels, labels: one.labels).gradient
        }
    }

    private func norm(_ v: [Float]) -> Double { v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }

    private func fixture(_ architecture: Architecture, count: Int = 9) -> ([Float], LabeledImages) {
        var g = testGenerator("clip/\(architecture)")
        let parameters = Model(architecture: architecture, generator: &g).parameters
        return (parameters, sharedMNIST.train.subset(Array(stride(from: 5, to: 5 + 37 * count, by: 37))))
    }

    func testPerExampleNormsEqualNormsOfMaterialisedGradientsForEveryNormMethod() {
        for architecture in architectures {
            let (parameters, data) = fixture(architecture)
            let reference = materialised(architecture, parameters, data).map(norm)
            let engine = GradientEngine(architecture: architecture, threads: 2)
            for method in [nil, PerExampleNormMethod.materialize, .ghostGram] {
                engine.workspace.load(data, indices: 0..<data.count)
                let result = engine.clippedGradientSumOfLoaded(parameters: parameters, count: data.count,
                                                               maxGradNorm: 1, method: method)
                for (fast, slow) in zip(result.perExampleNorms, reference) {
                    XCTAssertEqual(Double(fast), slow, accuracy: 1e-4 * slow, "\(architecture) \(String(describing: method))")
                }
            }
        }
    }

    func testClippedSumEqualsSumOfIndividuallyClippedGradientsAndEachIsWithinTheBound() {
        for architecture in architectures {
            let (parameters, data) = fixture(architecture)
            let perExample = materialised(architecture, parameters, data)
            let norms = perExample.map(norm)
            let bound = Float(norms.sorted()[norms.count / 2])  // about half the examples get clipped
            var expected = [Double](repeating: 0, count: parameters.count)
            var clippedCount = 0
            for (g, n) in zip(perExample, norms) {
                let factor = min(1, Double(bound) / (n + 1e-6))
                if factor < 1 { clippedCount += 1 }
                XCTAssertLessThanOrEqual(factor * n, Double(bound) * (1 + 1e-6))
                for j in g.indices { expected[j] += factor * Double(g[j]) }
            }
            XCTAssertGreaterThan(clippedCount, 0)
            XCTAssertLessThan(clippedCount, data.count)
            let result = clippedGradientSum(architecture: architecture, parameters: parameters, images: data.pixels,
                                            labels: data.labels, maxGradNorm: bound, threads: 2)
            XCTAssertEqual(result.count, data.count)
            for (fast, n) in zip(result.perExampleNorms, norms) {
                XCTAssertLessThanOrEqual(Double(min(1, bound / (fast + 1e-6)) * fast), Double(bound) * (1 + 1e-6))
                XCTAssertEqual(Double(fast), n, accuracy: 1e-4 * n)
            }
            let difference = zip(result.gradientSum, expected).map { Float(Double($0) - $1) }
            XCTAssertLessThan(norm(difference), 1e-4 * norm(expected.map(Float.init)), "\(architecture)")
        }
    }

    func testClippedSumIsBitIdenticalForOneAndTwoThreads() {
        let architecture = Architecture.cnn(activation: .tanh)
        let (parameters, data) = fixture(architecture, count: 40)
        let one = clippedGradientSum(architecture: architecture, parameters: parameters, images: data.pixels,
                                     labels: data.labels, maxGradNorm: 0.5, threads: 1)
        let two = clippedGradientSum(architecture: architecture, parameters: parameters, images: data.pixels,
                                     labels: data.labels, maxGradNorm: 0.5, threads: 2)
        XCTAssertEqual(one.gradientSum.map(\.bitPattern), two.gradientSum.map(\.bitPattern))
        XCTAssertEqual(one.perExampleNorms, two.perExampleNorms)
        XCTAssertEqual(one.lossSum, two.lossSum)
    }

    func testEmptyBatchGivesZeroSum() {
        let (parameters, _) = fixture(.mlp)
        let engine = GradientEngine(architecture: .mlp)
        let result = engine.clippedGradientSum(parameters: parameters, images: [], labels: [], maxGradNorm: 1)
        XCTAssertEqual(result.count, 0)
        XCTAssertEqual(result.lossSum, 0)
        XCTAssertEqual(result.perExampleNorms, [])
        XCTAssertEqual(result.gradientSum, [Float](repeating: 0, count: parameters.count))
    }

    func testNormMethodChoiceFollowsCostModel() {
        let layers = Architecture.cnn(activation: .tanh).layers.compactMap { spec -> AffineShape? in
            if case .affine(let shape) = spec { return shape } else { return nil }
        }
        XCTAssertEqual(layers.map(PerExampleNormMethod.cheapest), [.materialize, .ghostGram, .outerProduct, .outerProduct])
    }
}
