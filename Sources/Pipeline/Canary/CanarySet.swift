import DifferentialPrivacy
import Learning
import Randomness

/// The canaries of a one-run privacy audit (Steinke, Nasr, Jagielski 2023, §6 "black-box" input-space
/// canaries): m mislabelled MNIST digits, each put into the training data independently with
/// probability ½.
///
/// - **Images**: the last m of the 60,000 MNIST training images, which the manifest rules keep out
///   of the real training data (`dataset.train_examples ≤ 60000 − m`), so a canary is never also a
///   regular example.
/// - **Labels**: each canary's label is drawn uniformly from the nine digits it is not (stream
///   `audit/canaries/labels`): a wrong label is something the model can only learn by memorising
///   that one example, which makes inclusion visible in the canary's loss.
/// - **Mask**: inclusion bits from stream `audit/canaries/mask`, a 32-byte salt from
///   `audit/canaries/salt` — from the manifest seed in reproducible mode, the OS CSPRNG in secure mode.
/// - **Placement** in a federated job: the j-th included canary joins the shard of client j mod K,
///   so the canaries are spread evenly over the clients. Under example-level DP each canary is one
///   example of one client's data, protected by that client's DP-SGD; under client-level DP its
///   inclusion changes one client's data, which the client-level guarantee covers as well. Either
///   way the audit compares with the largest ε any party spent.
public struct CanarySet: Sendable {
    /// MNIST training images the canaries are drawn from (the last m of them).
    public static let poolSize = 60_000
    /// The confidence of ε_LB.
    public static let confidence = 0.95

    /// Index of each canary's image in the full MNIST training set.
    public let imageIndices: [Int]
    public let trueLabels: [UInt8]
    /// The (wrong) labels the canaries are trained and scored with.
    public let labels: [UInt8]
    /// Whether each canary is in the training data.
    public let mask: [Bool]
    public let salt: [UInt8]
    /// The canary images with their canary labels, in canary order.
    public let examples: LabeledImages
    /// The guess budgets r of the guessing game, fixed before training.
    public let guessTotals: [Int]

    /// Draws the canaries of `settings` from `pool` (the full MNIST training set).
    public static func draw(_ settings: AuditSettings, pool: LabeledImages, streams: RandomStreams) -> CanarySet {
        let m = settings.canaries
        precondition(m <= pool.count, "more canaries than MNIST training images")
        let indices = Array((pool.count - m)..<pool.count)
        let originals = pool.subset(indices)
        var labelStream = streams.generator("audit/canaries/labels")
        let labels = originals.labels.map { truth in UInt8((Int(truth) + 1 + Int(labelStream.nextBelow(9))) % 10) }
        var maskStream = streams.generator("audit/canaries/mask")
        let mask = (0..<m).map { _ in maskStream.next() & 1 == 1 }
        var saltStream = streams.generator("audit/canaries/salt")
        return CanarySet(imageIndices: indices, trueLabels: originals.labels, labels: labels, mask: mask,
                         salt: saltStream.bytes(32), examples: LabeledImages(pixels: originals.pixels, labels: labels),
                         guessTotals: settings.guesses ?? OneRunAudit.defaultGuessTotals(canaries: m))
    }

    /// `train` with the included canaries appended, and `shards` with each included canary given
    /// to client j mod K (j counting included canaries).
    public func insert(into train: LabeledImages, shards: [[Int]]) -> (train: LabeledImages, shards: [[Int]]) {
        let included = mask.indices.filter { mask[$0] }
        let added = examples.subset(included)
        var shards = shards
        for j in included.indices { shards[j % shards.count].append(train.count + j) }
        return (LabeledImages(pixels: train.pixels + added.pixels, labels: train.labels + added.labels), shards)
    }

    /// SHA-256 (hex) over the canonical encoding of the canaries and their mask, then the salt.
    public var commitment: String {
        CanaryCommitment.digest(imageIndices: imageIndices, labels: labels.map(Int.init), mask: mask, salt: salt)
    }
}
