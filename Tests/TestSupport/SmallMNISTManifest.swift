/// A small real job's manifest: the repository's MNIST (or a copy at `mnistPath`), a slice of
/// `trainExamples` and `testExamples` images split over `clients`, `rounds` rounds of FedAvg.
///
/// The job tests of every target use it with the sizes and settings they need; the text comes out
/// line for line as each wrote it before, so tests that edit it (`rounds: 2` → `rounds: two`) still
/// find what they replace. A parameter left nil writes no line (the reader's default applies).
/// `extra` is appended after the federation block as given: a `privacy:` or `audit:` block, a
/// `stages:` list, a top-level key.
public func smallMNISTManifest(name: String, seed: Int, threads: Int? = nil, mnistPath: String = repositoryMNIST,
                               clients: Int, partition: String? = "iid", trainExamples: Int, testExamples: Int,
                               architecture: String = "mlp", rounds: Int, clientsPerRound: Int, localEpochs: Int? = nil,
                               batchSize: Int = 50, learningRate: Double = 0.1, learningRateDecay: Double? = nil,
                               extra: String = "") -> String {
    var lines = ["name: \(name)", "seed: \(seed)"]
    if let threads { lines.append("threads: \(threads)") }
    lines += ["dataset:", "  name: mnist", "  path: \(mnistPath)", "  clients: \(clients)"]
    if let partition { lines.append("  partition: { scheme: \(partition) }") }
    lines += ["  train_examples: \(trainExamples)", "  test_examples: \(testExamples)",
              "model:", "  architecture: \(architecture)",
              "federation:", "  rounds: \(rounds)", "  clients_per_round: \(clientsPerRound)"]
    if let localEpochs { lines.append("  local_epochs: \(localEpochs)") }
    lines += ["  batch_size: \(batchSize)", "  learning_rate: \(learningRate)"]
    if let learningRateDecay { lines.append("  learning_rate_decay: \(learningRateDecay)") }
    lines.append(extra)
    return lines.joined(separator: "\n")
}
