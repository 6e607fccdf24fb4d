import XCTest
@testable import Learning

final class TrainingTests: XCTestCase {
    func testOneEpochOfMLPOn6000ExamplesExceeds85PercentTestAccuracy() {
        let mnist = sharedMNIST
        var initGenerator = testGenerator("init")
        let model = Model(architecture: .mlp, generator: &initGenerator)
        let trainer = LocalTrainer(architecture: .mlp, threads: 2)
        var shuffle = testGenerator("shuffle")
        let config = LocalTrainingConfiguration(epochs: 1, batchSize: 32, learningRate: 0.1, momentum: 0.5)
        let result = trainer.train(parameters: model.parameters, data: mnist.train, indices: Array(0..<6000),
                                   configuration: config, generator: &shuffle)
        XCTAssertEqual(result.steps, 188)
        let before = Evaluation.evaluate(architecture: .mlp, parameters: model.parameters, on: mnist.test.prefix(1000))
        let after = Evaluation.evaluate(architecture: .mlp, parameters: result.parameters, on: mnist.test.prefix(1000))
        XCTAssertLessThan(before.accuracy, 0.3)
        XCTAssertGreaterThan(after.accuracy, 0.85)
        XCTAssertLessThan(after.meanLoss, before.meanLoss)
        XCTAssertLessThan(result.meanLoss, 1.0)
    }

    func testTrainingIsBitIdenticalAcrossRunsAndThreadCounts() {
        let data = sharedMNIST.train
        let architecture = Architecture.cnn(activation: .tanh)
        var initGenerator = testGenerator("init-cnn")
        let start = Model(architecture: architecture, generator: &initGenerator).parameters
        let config = LocalTrainingConfiguration(epochs: 1, batchSize: 64, learningRate: 0.05, momentum: 0.9,
                                                weightDecay: 1e-4)
        var results: [[Float]] = []
        for threads in [1, 2, 2] {
            var shuffle = testGenerator("shuffle-cnn")
            let trainer = LocalTrainer(architecture: architecture, threads: threads)
            results.append(trainer.train(parameters: start, data: data, indices: Array(100..<420),
                                         configuration: config, generator: &shuffle).parameters)
        }
        XCTAssertNotEqual(results[0], start)
        XCTAssertEqual(results[0].map(\.bitPattern), results[1].map(\.bitPattern))
        XCTAssertEqual(results[1].map(\.bitPattern), results[2].map(\.bitPattern))
    }

    func testEvaluationDoesNotDependOnThreadsOrBatchSize() {
        var g = testGenerator("eval")
        let model = Model(architecture: .cnn(activation: .relu), generator: &g)
        let data = sharedMNIST.test.prefix(700)
        let a = Evaluation.evaluate(architecture: model.architecture, parameters: model.parameters, on: data,
                                    threads: 1, batchSize: 700)
        let b = Evaluation.evaluate(architecture: model.architecture, parameters: model.parameters, on: data,
                                    threads: 2, batchSize: 33)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.count, 700)
    }

    func testSGDStepMatchesHandComputedMomentumAndDecay() {
        let sgd = SGD(learningRate: 0.5, momentum: 0.9, weightDecay: 0.1)
        var p: [Float] = [1, -2]
        var v: [Float] = [0, 0]
        sgd.step(parameters: &p, gradient: [0.5, 1], velocity: &v)
        // g' = g + 0.1·p = [0.6, 0.8]; v = g'; p = p − 0.5·v.
        XCTAssertEqual(v, [0.6, 0.8])
        XCTAssertEqual(p, [0.7, -2.4])
        sgd.step(parameters: &p, gradient: [0, 0], velocity: &v)
        XCTAssertEqual(v[0], 0.9 * 0.6 + 0.1 * 0.7, accuracy: 1e-6)
    }

    func testModelInitialisationIsDeterministicAndWithinTheKaimingBound() {
        var g1 = testGenerator("init-check"), g2 = testGenerator("init-check")
        let a = Model(architecture: .mlp, generator: &g1), b = Model(architecture: .mlp, generator: &g2)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.parameterCount, 784 * 128 + 128 + 128 * 10 + 10)
        XCTAssertEqual(Architecture.cnn(activation: .tanh).parameterCount, 16 * 64 + 16 + 32 * 256 + 32 + 512 * 32 + 32 + 32 * 10 + 10)
        let bound = (6.0 / 784.0).squareRoot()
        XCTAssertTrue(a.parameters[0..<(784 * 128)].allSatisfy { abs(Double($0)) <= bound })
        XCTAssertTrue(a.parameters[(784 * 128)..<(784 * 128 + 128)].allSatisfy { $0 == 0 })
        XCTAssertGreaterThan(a.parameters[0..<(784 * 128)].map { abs(Double($0)) }.max()!, 0.9 * bound)
    }
}
