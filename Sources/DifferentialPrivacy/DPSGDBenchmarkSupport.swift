import Randomness

/// Timings of the two per-step costs DP-SGD adds to training: the Gaussian noise fill and
/// Poisson sampling. For the CLI's benchmarks and for `PRIVFED_BENCH=1` test runs; never used
/// for assertions.
public enum DPSGDBenchmark {
    public struct Timing: Sendable, CustomStringConvertible {
        /// Median wall-clock seconds of one call.
        public let secondsPerCall: Double
        /// Items per call (draws, or population size for sampling).
        public let itemsPerCall: Int
        public var itemsPerSecond: Double { Double(itemsPerCall) / secondsPerCall }
        public var description: String {
            "\(itemsPerCall) items in \(secondsPerCall * 1e3) ms (\(itemsPerSecond / 1e6) M/s)"
        }
    }

    /// Median time of `GaussianSampler.fill` on a `[Float]` of `count` (default: the mlp's
    /// 101,770 parameters) with `threads` threads.
    public static func gaussianFill(count: Int = 101_770, threads: Int, repetitions: Int = 51) -> Timing {
        var generator = RandomStreams(seed: 1).generator("bench/gaussian")
        var buffer = [Float](repeating: 0, count: count)
        GaussianSampler.fill(&buffer, standardDeviation: 1, threads: threads, using: &generator)  // warm-up, tables
        let seconds = median(repetitions) {
            GaussianSampler.fill(&buffer, standardDeviation: 1, threads: threads, using: &generator)
        }
        return Timing(secondsPerCall: seconds, itemsPerCall: count)
    }

    /// Median time of `PoissonSampling.sample` (default: n = 60,000, q = 256/60,000).
    public static func poissonSampling(populationSize: Int = 60_000, rate: Double = 256.0 / 60_000,
                                       repetitions: Int = 201) -> Timing {
        var generator = RandomStreams(seed: 1).generator("bench/poisson")
        var total = 0
        let seconds = median(repetitions) {
            total &+= PoissonSampling.sample(populationSize: populationSize, rate: rate, using: &generator).count
        }
        precondition(total >= 0)
        return Timing(secondsPerCall: seconds, itemsPerCall: populationSize)
    }

    private static func median(_ repetitions: Int, _ body: () -> Void) -> Double {
        precondition(repetitions >= 1)
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<repetitions {
            let elapsed = clock.measure(body)
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        return times.sorted()[repetitions / 2]
    }
}
