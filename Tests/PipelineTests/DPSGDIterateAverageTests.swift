import DifferentialPrivacy
import Learning
import Randomness
import XCTest
@testable import Pipeline

/// `privacy.ema_decay` in the DP-SGD client loop: the released parameters are the average of
/// the iterates, with the same bytes on every run (the ledger records their SHA-256).
final class DPSGDIterateAverageTests: XCTestCase {
    private func run(emaDecay: Float?) throws -> [Float] {
        let streams = RandomStreams(seed: 20_261_207)
        var g = streams.generator("data")
        let n = 48
        let pixels = (0..<(n * 784)).map { _ in g.nextUnitFloat() }
        let labels = (0..<n).map { UInt8($0 % 10) }
        let data = LabeledImages(pixels: pixels, labels: labels)
        var initial = streams.generator("init")
        let start = Model(architecture: .mlp, generator: &initial).parameters
        let configuration = try DPSGDConfiguration(samplingRate: 0.25, noiseMultiplier: 1, maxGradNorm: 1, datasetSize: n)
        let training = DPSGDClientTraining(architecture: .mlp, configuration: configuration, learningRate: 0.5, momentum: 0.5,
                                           threads: 2, emaDecay: emaDecay)
        var sampling = streams.generator("sampling"), noise = streams.generator("noise")
        return training.train(parameters: start, data: data, indices: Array(0..<n), steps: 6,
                              sampling: &sampling, noise: &noise).parameters
    }

    func testAveragedReleaseHasTheSameBytesOnEveryRunAndIsNotTheLastIterate() throws {
        let first = try run(emaDecay: 0.8), second = try run(emaDecay: 0.8)
        XCTAssertEqual(first.map(\.bitPattern), second.map(\.bitPattern))
        let last = try run(emaDecay: nil)
        XCTAssertNotEqual(first, last)
        // Same noise and sampling streams: the average stays near the trajectory's end, not at its start.
        var distance = 0.0, size = 0.0
        for (a, b) in zip(first, last) { distance += Double((a - b) * (a - b)); size += Double(b * b) }
        XCTAssertLessThan(distance, size)
    }
}
