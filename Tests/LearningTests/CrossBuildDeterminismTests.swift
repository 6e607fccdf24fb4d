import XCTest
@testable import Learning

/// The numeric results must not depend on the instruction set the compiler targets (SSE2,
/// AVX2 or AVX-512 via `-target-cpu`), on thread counts, or on the C library: every kernel is
/// a fixed sequence of IEEE single/double operations. This test pins the SHA-256 of a short
/// training run, a clipped gradient sum and an evaluation; the digest was recorded from a
/// build with `-target-cpu znver4` and checked unchanged with `haswell` and with no flag (SSE2).
final class CrossBuildDeterminismTests: XCTestCase {
    static let expectedDigest = "62b67f44b5b977bc86cd215a19bec7890c5765fbf7488f38c4552fc6021176f1"

    func testTrainingClippingAndEvaluationBitsMatchTheRecordedDigest() {
        let architecture = Architecture.cnn(activation: .tanh)
        var initGenerator = testGenerator("golden/init")
        let start = Model(architecture: architecture, generator: &initGenerator).parameters
        var shuffle = testGenerator("golden/shuffle")
        let trained = LocalTrainer(architecture: architecture, threads: 2).train(
            parameters: start, data: sharedMNIST.train, indices: Array(0..<300),
            configuration: LocalTrainingConfiguration(epochs: 1, batchSize: 64, learningRate: 0.1, momentum: 0.9),
            generator: &shuffle)
        let clipped = GradientEngine(architecture: architecture, threads: 2).clippedGradientSum(
            parameters: trained.parameters, data: sharedMNIST.train, indices: Array(1000..<1020), maxGradNorm: 0.3)
        let evaluation = Evaluation.evaluate(architecture: architecture, parameters: trained.parameters,
                                             on: sharedMNIST.test.prefix(200))
        var words: [UInt32] = trained.parameters.map(\.bitPattern) + clipped.gradientSum.map(\.bitPattern)
            + clipped.perExampleNorms.map(\.bitPattern)
        for value in [trained.meanLoss, clipped.lossSum, evaluation.meanLoss, evaluation.accuracy] {
            words.append(UInt32(truncatingIfNeeded: value.bitPattern))
            words.append(UInt32(truncatingIfNeeded: value.bitPattern >> 32))
        }
        let bytes = words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
        let digest = MNIST.sha256Hex(bytes)
        print("cross-build digest: \(digest)")
        XCTAssertEqual(digest, Self.expectedDigest)
    }
}
