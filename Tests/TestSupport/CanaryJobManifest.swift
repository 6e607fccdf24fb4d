/// A small real job with canaries: one client, 300 real MNIST images and `canaries` canaries
/// (200 by default, about half of them trained on), 3 rounds of `epochs` local epochs. The audit
/// tests read its ε lower bound; the security tests tamper with what it records. `privacy` is a
/// top-level `privacy:` block (empty: no DP).
public func canaryJobManifest(name: String, seed: Int, privacy: String = "", canaries: Int = 200, epochs: Int = 8) -> String {
    smallMNISTManifest(name: name, seed: seed, clients: 1, partition: nil, trainExamples: 300, testExamples: 200,
                       rounds: 3, clientsPerRound: 1, localEpochs: epochs, batchSize: 20,
                       extra: "\(privacy)\naudit:\n  canaries: \(canaries)")
}
