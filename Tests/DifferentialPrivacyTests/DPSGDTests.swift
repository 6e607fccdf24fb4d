import XCTest
import Randomness
@testable import DifferentialPrivacy

final class DPSGDTests: XCTestCase {
    func testPoissonBatchSizeFollowsBinomial() {
        var generator = RandomStreams(seed: 1).generator("sampling")
        let n = 100_000, q = 0.01
        var sizes: [Double] = []
        for _ in 0..<20 {
            let batch = PoissonSampling.sample(populationSize: n, rate: q, using: &generator)
            XCTAssertEqual(batch, batch.sorted())
            XCTAssertEqual(Set(batch).count, batch.count)
            sizes.append(Double(batch.count))
        }
        let mean = sizes.reduce(0, +) / Double(sizes.count)
        let sd = (Double(n) * q * (1 - q)).squareRoot()
        XCTAssertLessThan(abs(mean - Double(n) * q), 5 * sd / Double(sizes.count).squareRoot())
        XCTAssertGreaterThan(Set(sizes).count, 1, "batch sizes must vary")
        XCTAssertEqual(PoissonSampling.sample(populationSize: 5, rate: 1, using: &generator), [0, 1, 2, 3, 4])
    }

    /// The step returns (Σ clipped + N(0, σ²C²)) / (q·n): rebuilt here from copies of the streams.
    func testStepAddsNoiseToSumAndDividesByExpectedBatchSize() throws {
        let config = try DPSGDConfiguration(samplingRate: 0.05, noiseMultiplier: 1.3, maxGradNorm: 0.5, datasetSize: 400)
        let streams = RandomStreams(seed: 99)
        var sampling = streams.generator("sampling"), noise = streams.generator("noise")
        var samplingCopy = sampling, noiseCopy = noise
        let d = 17
        var seenBatch: [Int] = []
        let result = DPSGDStep.run(configuration: config, parameterCount: d, sampling: &sampling, noise: &noise) { batch in
            seenBatch = batch
            return ClippedGradientSum(gradientSum: (0..<d).map { Float($0) * 0.1 }, count: batch.count)
        }
        let expectedBatch = PoissonSampling.sample(populationSize: 400, rate: 0.05, using: &samplingCopy)
        XCTAssertEqual(result.batch, expectedBatch)
        XCTAssertEqual(seenBatch, expectedBatch)
        let z = GaussianSampler.samples(count: d, standardDeviation: 1.3 * 0.5, using: &noiseCopy)
        for i in 0..<d {
            let expected = (Double(Float(Double(Float(i) * 0.1) + z[i]))) / 20.0
            XCTAssertEqual(Double(result.noisyGradient[i]), expected, accuracy: 1e-5)
        }
    }

    /// An empty batch still releases noise (the mechanism's output distribution must not reveal
    /// that the batch was empty) and never calls the gradient closure.
    func testEmptyBatchReleasesPureNoise() throws {
        let config = try DPSGDConfiguration(samplingRate: 1e-9, noiseMultiplier: 1, maxGradNorm: 1, datasetSize: 3)
        var sampling = RandomStreams(seed: 3).generator("s"), noise = RandomStreams(seed: 3).generator("n")
        let result = DPSGDStep.run(configuration: config, parameterCount: 4, sampling: &sampling, noise: &noise) { _ in
            XCTFail("closure called for an empty batch")
            return ClippedGradientSum(gradientSum: [], count: 0)
        }
        XCTAssertTrue(result.batch.isEmpty)
        XCTAssertEqual(result.noisyGradient.count, 4)
        XCTAssertTrue(result.noisyGradient.contains { $0 != 0 })
    }

    /// Over many steps the released gradient's per-coordinate standard deviation is σC/(qn).
    func testNoisyGradientHasCalibratedSpread() throws {
        let config = try DPSGDConfiguration(samplingRate: 0.1, noiseMultiplier: 2, maxGradNorm: 1.5, datasetSize: 50)
        var sampling = RandomStreams(seed: 5).generator("s"), noise = RandomStreams(seed: 5).generator("n")
        var values: [Double] = []
        for _ in 0..<200 {
            let r = DPSGDStep.run(configuration: config, parameterCount: 100, sampling: &sampling, noise: &noise) { batch in
                ClippedGradientSum(gradientSum: [Float](repeating: 0, count: 100), count: batch.count)
            }
            values += r.noisyGradient.map(Double.init)
        }
        let n = Double(values.count)
        let variance = values.reduce(0) { $0 + $1 * $1 } / n
        let expected: Double = (2 * 1.5 / 5) * (2 * 1.5 / 5)  // (σC/(qn))²
        XCTAssertEqual(variance, expected, accuracy: 5 * expected * (2 / n).squareRoot())
    }

    func testClippingBoundsNormAndLeavesShortVectorsAlone() {
        var long: [Float] = [3, 4, 0, 12]  // norm 13
        let before = GradientClipping.clip(&long, maxNorm: 1)
        XCTAssertEqual(before, 13, accuracy: 1e-12)
        XCTAssertLessThanOrEqual(GradientClipping.norm(long), 1)
        XCTAssertEqual(GradientClipping.norm(long), 1, accuracy: 1e-5)
        XCTAssertEqual(Double(long[0] / long[1]), 0.75, accuracy: 1e-6)  // direction kept
        var short: [Float] = [0.1, -0.2]
        GradientClipping.clip(&short, maxNorm: 1)
        XCTAssertEqual(short, [0.1, -0.2])
        var generator = RandomStreams(seed: 11).generator("clip")
        for _ in 0..<200 {
            var v = GaussianSampler.samples(count: 50, standardDeviation: 10, using: &generator).map(Float.init)
            DPFedAvg.clipUpdate(&v, maxNorm: 2.5)
            XCTAssertLessThanOrEqual(GradientClipping.norm(v), 2.5)
        }
    }

    /// k clients each adding N(0, σ²C²/k) give a sum with variance σ²C², as central noise would.
    func testDistributedNoiseSharesSumToCentralVariance() {
        let k = 8, d = 20_000, sigma = 1.2, clip = 0.7
        var total = [Float](repeating: 0, count: d)
        for client in 0..<k {
            var generator = RandomStreams(seed: 21).generator("client/\(client)/noise")
            var update = [Float](repeating: 0, count: d)
            DPFedAvg.addDistributedNoiseShare(to: &update, noiseMultiplier: sigma, maxNorm: clip, parties: k, using: &generator)
            for i in 0..<d { total[i] += update[i] }
        }
        let variance = total.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(d)
        let expected = sigma * sigma * clip * clip
        XCTAssertEqual(variance, expected, accuracy: 5 * expected * (2 / Double(d)).squareRoot())
        XCTAssertEqual(DPFedAvg.distributedNoiseStandardDeviation(noiseMultiplier: sigma, maxNorm: clip, parties: k),
                       sigma * clip / Double(k).squareRoot(), accuracy: 1e-15)
    }

    func testConfigurationRejectsBadParameters() {
        XCTAssertThrowsError(try DPSGDConfiguration(samplingRate: 0.1, noiseMultiplier: 1, maxGradNorm: 0, datasetSize: 10)) {
            XCTAssertEqual($0 as? DPSGDConfiguration.Error, .clippingNormNotPositive(0))
        }
        XCTAssertThrowsError(try DPSGDConfiguration(samplingRate: 0.1, noiseMultiplier: 1, maxGradNorm: 1, datasetSize: 0))
        XCTAssertThrowsError(try DPSGDConfiguration(samplingRate: 2, noiseMultiplier: 1, maxGradNorm: 1, datasetSize: 10))
    }
}
