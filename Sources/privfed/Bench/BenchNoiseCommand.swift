import ArgumentParser
import DifferentialPrivacy
import Foundation

/// `privfed bench noise`: the two per-step costs DP-SGD adds to training, alone.
struct BenchNoiseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "noise",
        abstract: "Measure the Gaussian noise sampler and Poisson sampling of DP-SGD.",
        discussion: """
            Times GaussianSampler filling one noise vector (default: the mlp's 101,770 parameters) from \
            the ChaCha20 CSPRNG with the ziggurat, on the given threads, and Poisson sampling of a batch \
            at q = 256/60,000 from 60,000 examples. Medians of --repetitions calls. The noise bytes are \
            the same for any thread count; only speed changes.

            Example:
              privfed bench noise --threads 2 --json
            """
    )

    @Option(name: .long, help: "Draws per fill.")
    var count: Int = 101_770

    @Option(name: .long, help: "Worker threads (1 or 2).")
    var threads: Int = 2

    @Option(name: .long, help: "Calls timed (the median is reported).")
    var repetitions: Int = 51

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be positive") }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be in 1...64") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be positive") }
    }

    func run() throws {
        let gaussian = DPSGDBenchmark.gaussianFill(count: count, threads: threads, repetitions: repetitions)
        let poisson = DPSGDBenchmark.poissonSampling(repetitions: max(repetitions, 101))
        if json {
            struct Output: Encodable {
                var threads: Int
                var gaussianDraws: Int, gaussianMilliseconds: Double, gaussianDrawsPerSecond: Double
                var poissonPopulation: Int, poissonMilliseconds: Double
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let output = Output(threads: threads, gaussianDraws: gaussian.itemsPerCall, gaussianMilliseconds: gaussian.secondsPerCall * 1e3,
                                gaussianDrawsPerSecond: gaussian.itemsPerSecond, poissonPopulation: poisson.itemsPerCall,
                                poissonMilliseconds: poisson.secondsPerCall * 1e3)
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
            return
        }
        print(String(format: "gaussian noise: %d draws in %.3f ms (%.1f M draws/s, %d thread(s))",
                     gaussian.itemsPerCall, gaussian.secondsPerCall * 1e3, gaussian.itemsPerSecond / 1e6, threads))
        print(String(format: "poisson sampling: n = %d, q = 256/60000 in %.3f ms",
                     poisson.itemsPerCall, poisson.secondsPerCall * 1e3))
    }
}
