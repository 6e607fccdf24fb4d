import Foundation
import Randomness
import XCTest
@testable import Learning

/// Backward passes against central finite differences of the forward pass, accumulated in Double.
final class GradientCheckTests: XCTestCase {
    /// Loss `Σ r ⊙ layer(x)` for a network `[flatten, layer]`, so that the flatten's output
    /// gradient is the gradient with respect to the input.
    private func checkLayer(_ spec: LayerSpec, inputSize: Int, batch: Int = 2, step h: Float = 1e-2,
                            input: ((inout ChaCha20Generator) -> Float)? = nil,
                            file: StaticString = #filePath, line: UInt = #line) {
        let plan = NetworkPlan(layers: [.flatten(inputSize), spec], inputSize: inputSize)
        let ws = NetworkWorkspace(plan: plan, threads: 1, capacity: batch)
        var g = testGenerator("gradcheck/\(spec)")
        var params = uniformFloats(plan.parameterCount, -0.5, 0.5, &g)
        var x = input.map { draw in (0..<(batch * inputSize)).map { _ in draw(&g) } }
            ?? uniformFloats(batch * inputSize, -1, 1, &g)
        let outSize = plan.layers[1].outputSize
        let r = uniformFloats(batch * outSize, -1, 1, &g).map(Double.init)
        let labels = [UInt8](repeating: 0, count: batch)

        func objective(_ params: [Float], _ x: [Float]) -> Double {
            ws.load(images: x, labels: labels)
            params.withUnsafeBufferPointer { ws.forward(parameters: $0.baseAddress ?? UnsafePointer(ws.input.pointer), count: batch) }
            let y = ws.outputs[1].pointer
            var total = 0.0
            for i in 0..<(batch * outSize) { total += r[i] * Double(y[i]) }
            return total
        }

        _ = objective(params, x)
        for i in 0..<(batch * outSize) { ws.gradients[1].pointer[i] = Float(r[i]) }
        var paramGrad = [Float](repeating: 0, count: plan.parameterCount)
        params.withUnsafeBufferPointer { p in
            let base = p.baseAddress ?? UnsafePointer(ws.input.pointer)
            ws.backpropagate(parameters: base, count: batch)
            paramGrad.withUnsafeMutableBufferPointer { ws.parameterGradients(into: $0.baseAddress ?? ws.input.pointer, count: batch) }
        }
        let inputGrad = Array(UnsafeBufferPointer(start: ws.gradients[0].pointer, count: batch * inputSize))

        func compare(_ analytic: [Float], _ numeric: [Double], _ what: String) {
            var diff = 0.0, norm = 0.0
            for (a, n) in zip(analytic, numeric) {
                diff += (Double(a) - n) * (Double(a) - n)
                norm += n * n
            }
            XCTAssertLessThan(diff.squareRoot(), 2e-3 * max(norm.squareRoot(), 1e-3),
                              "\(spec) \(what) gradient", file: file, line: line)
        }
        compare(inputGrad, centralDifferences(&x, h) { objective(params, $0) }, "input")
        compare(paramGrad, centralDifferences(&params, h) { objective($0, x) }, "parameter")
    }

    /// (f(v + h·e_i) − f(v − h·e_i)) / 2h for each coordinate i of `coordinates` (default: all).
    private func centralDifferences(_ values: inout [Float], _ h: Float, coordinates: [Int]? = nil,
                                    _ f: ([Float]) -> Double) -> [Double] {
        var numeric = [Double](repeating: 0, count: values.count)
        for i in coordinates ?? Array(values.indices) {
            let saved = values[i]
            values[i] = saved + h
            let plus = f(values)
            values[i] = saved - h
            let minus = f(values)
            values[i] = saved
            numeric[i] = (plus - minus) / Double(2 * h)
        }
        return numeric
    }

    func testLinearBackwardMatchesCentralDifferences() {
        checkLayer(.affine(.linear(inputs: 7, outputs: 5)), inputSize: 7, batch: 3)
    }

    func testPaddedStridedConvolutionBackwardMatchesCentralDifferences() {
        let g = ConvGeometry(inChannels: 2, height: 7, width: 6, outChannels: 3, kernel: 3, stride: 2, padding: 1)
        checkLayer(.affine(.conv(g)), inputSize: 7 * 6 * 2)
    }

    func testUnpaddedConvolutionBackwardMatchesCentralDifferences() {
        let g = ConvGeometry(inChannels: 3, height: 5, width: 5, outChannels: 2, kernel: 2, stride: 1, padding: 0)
        checkLayer(.affine(.conv(g)), inputSize: 5 * 5 * 3)
    }

    func testOverlappingMaxPoolBackwardMatchesCentralDifferences() {
        let g = PoolGeometry(channels: 2, height: 5, width: 4, kernel: 2, stride: 1)
        checkLayer(.maxPool(g), inputSize: g.inputSize, step: 1e-3)
    }

    func testStridedMaxPoolBackwardMatchesCentralDifferences() {
        let g = PoolGeometry(channels: 3, height: 4, width: 6, kernel: 2, stride: 2)
        checkLayer(.maxPool(g), inputSize: g.inputSize, step: 1e-3)
    }

    func testReluBackwardMatchesCentralDifferencesAwayFromTheKink() {
        checkLayer(.relu, inputSize: 12, step: 1e-3) { g in
            let u = g.nextUnitFloat()
            return (u < 0.5 ? -1 : 1) * (0.05 + u)
        }
    }

    /// Group norm: 3 positions × 6 channels in 3 groups; the input gradient couples every element of a group.
    func testGroupNormBackwardMatchesCentralDifferences() {
        let g = GroupNormGeometry(positions: 3, channels: 6, groups: 3)
        checkLayer(.groupNorm(g), inputSize: g.size, batch: 2, step: 1e-2)
    }

    func testTanhBackwardMatchesCentralDifferences() {
        checkLayer(.tanh, inputSize: 12, step: 1e-3) { g in 4 * g.nextUnitFloat() - 2 }
    }

    func testSoftmaxCrossEntropyGradientMatchesCentralDifferences() {
        let plan = NetworkPlan(layers: [.flatten(6)], inputSize: 6)
        let ws = NetworkWorkspace(plan: plan, threads: 1, capacity: 3)
        var g = testGenerator("gradcheck/softmax")
        var z = uniformFloats(18, -3, 3, &g)
        let labels: [UInt8] = [0, 4, 5]
        let empty: [Float] = [0]
        func loss(_ z: [Float]) -> Double {
            ws.load(images: z, labels: labels)
            empty.withUnsafeBufferPointer { ws.forward(parameters: $0.baseAddress!, count: 3) }
            ws.softmaxCrossEntropy(count: 3, gradientScale: 1)
            return ws.lossSum(count: 3)
        }
        _ = loss(z)
        let analytic = Array(UnsafeBufferPointer(start: ws.gradients[0].pointer, count: 18))
        let numeric = centralDifferences(&z, 1e-3, loss)
        for i in 0..<18 { XCTAssertEqual(Double(analytic[i]), numeric[i], accuracy: 2e-4, "logit \(i)") }
        // The loss itself against the definition −log softmax(z)_y.
        let z0 = z[0..<6].map(Double.init)
        let reference = -(z0[0] - Foundation.log(z0.map { Foundation.exp($0) }.reduce(0, +)))
        _ = loss(z)
        XCTAssertEqual(ws.exampleLoss.pointer[0], reference, accuracy: 1e-6)
    }

    /// Whole-model mean loss gradient on three images, at the 48 largest and 16 random coordinates.
    private func checkModel(_ architecture: Architecture, file: StaticString = #filePath, line: UInt = #line) {
        var g = testGenerator("gradcheck/model/\(architecture)")
        var params = Model(architecture: architecture, generator: &g).parameters
        // Random images in [0, 0.5]: on real digits many pool windows hold near-ties and many tanh
        // units saturate, where a Float finite difference measures rounding rather than slope.
        let width = architecture.inputSize
        let data = LabeledImages(features: uniformFloats(3 * width, 0, 0.5, &g), width: width, labels: [3, 1, 4])
        let engine = GradientEngine(architecture: architecture, threads: 2)
        let (_, analytic) = engine.meanLossAndGradient(parameters: params, images: data.pixels, labels: data.labels)
        var coordinates = Array(analytic.indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }.prefix(48))
        for _ in 0..<16 { coordinates.append(Int(g.nextBelow(UInt64(params.count)))) }
        let numeric = centralDifferences(&params, 1e-3, coordinates: coordinates) {
            engine.meanLossAndGradient(parameters: $0, images: data.pixels, labels: data.labels).meanLoss
        }
        var diff = 0.0, norm = 0.0
        for i in coordinates {
            diff += (numeric[i] - Double(analytic[i])) * (numeric[i] - Double(analytic[i]))
            norm += numeric[i] * numeric[i]
        }
        // ReLU kinks crossed by the ±h steps leave ~1e-3 relative error; a wrong gradient is off by O(1).
        XCTAssertLessThan(diff.squareRoot(), 5e-3 * norm.squareRoot(), "\(architecture)", file: file, line: line)
    }

    func testMLPGradientMatchesCentralDifferences() { checkModel(.mlp) }
    func testTanhCNNGradientMatchesCentralDifferences() { checkModel(.cnn(activation: .tanh)) }
    func testReluCNNGradientMatchesCentralDifferences() { checkModel(.cnn(activation: .relu)) }
    func testScatterLinearGradientMatchesCentralDifferences() { checkModel(.scatterLinear) }
    func testScatterCNNGradientMatchesCentralDifferences() { checkModel(.scatterCNN(activation: .tanh)) }
}
