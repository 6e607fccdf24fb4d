import ArgumentParser
import Foundation
import Learning

/// `privfed bench train`: local-training throughput on real MNIST.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Measure local-training throughput (samples per second) on MNIST.",
        discussion: """
            Trains one client's epoch (6,000 examples by default) of the chosen model from datasets/mnist \
            (relative to the current directory): one warm-up epoch, then the median of three timed epochs. \
            Results are bit-identical for any thread count; only speed changes.

            With --private, two private figures follow the non-private one: the per-example clipping path \
            alone (norms, clipping at C = 1, clipped sum), and full DP-SGD steps as a DP job runs them \
            (Poisson sampling at q = B/n, clipping at C = 1, Gaussian noise σ = 1 from the CSPRNG, SGD \
            update), with its ratio to non-private training.

            Example:
              privfed bench train --model cnn --threads 2 --private
            """
    )

    @Option(name: .long, help: "Model: mlp or cnn.")
    var model: String = "mlp"

    @Option(name: .long, help: "Activation of the cnn: tanh or relu.")
    var activation: String = "tanh"

    @Option(name: .long, help: "Worker threads (1 or 2).")
    var threads: Int = 2

    @Option(name: .customLong("batch-size"), help: "Examples per SGD step.")
    var batchSize: Int = 256

    @Option(name: .long, help: "Examples per epoch (one client's share).")
    var examples: Int = 6000

    @Flag(name: .customLong("private"), help: "Also measure the per-example clipping (DP-SGD) path.")
    var privateClipping = false

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard let act = Activation(rawValue: activation) else {
            throw ValidationError("--activation must be tanh or relu, got \(activation)")
        }
        guard Architecture(name: model, activation: act) != nil else {
            throw ValidationError("--model must be mlp or cnn, got \(model)")
        }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be in 1...64") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be positive") }
        guard (1...60_000).contains(examples) else { throw ValidationError("--examples must be in 1...60000") }
    }

    func run() throws {
        let architecture = Architecture(name: model, activation: Activation(rawValue: activation)!)!
        let data = try MNIST.load(directory: "datasets/mnist").train
        var results = [TrainingBenchmark.run(architecture: architecture, data: data, threads: threads,
                                             batchSize: batchSize, examples: examples)]
        if privateClipping {
            results.append(TrainingBenchmark.run(architecture: architecture, data: data, threads: threads,
                                                 batchSize: batchSize, examples: examples, privateClipping: true))
        }
        let dpsgd = privateClipping
            ? try DPSGDThroughput.run(architecture: architecture, data: data, threads: threads, batchSize: batchSize, examples: examples)
            : nil
        if json {
            struct Output: Encodable { var training: [TrainingBenchmarkResult]; var dpsgd: DPSGDThroughput?; var privateToNonPrivate: Double? }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let ratio = dpsgd.map { $0.samplesPerSecond / results[0].samplesPerSecond }
            print(String(decoding: try encoder.encode(Output(training: results, dpsgd: dpsgd, privateToNonPrivate: ratio)), as: UTF8.self))
            return
        }
        for r in results {
            let mode = r.privateClipping ? "private (clipped)" : "non-private"
            print("\(r.model) \(mode): \(String(format: "%.0f", r.samplesPerSecond)) samples/s "
                + "(\(r.examples) examples, batch \(r.batchSize), \(r.threads) thread(s), "
                + "median epoch \(String(format: "%.3f", r.seconds)) s)")
        }
        if let d = dpsgd {
            print("\(d.model) private (DP-SGD: Poisson q = B/n, clip C = \(d.maxGradNorm), noise σ = \(d.noiseMultiplier)): "
                + "\(String(format: "%.0f", d.samplesPerSecond)) samples/s, "
                + "\(String(format: "%.2f", d.samplesPerSecond / results[0].samplesPerSecond))× non-private")
        }
    }
}
