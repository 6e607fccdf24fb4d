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
///   `audit/canaries/salt` — streams of the auditor's own secret root, never of the manifest seed.
/// - **Placement** in a federated job: canary i joins the shard of client i mod K when included,
///   so the canaries are spread evenly over the clients and one mask bit changes one client's data. Under example-level DP each canary is one
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

    /// `train` with the included canaries appended, and `shards` with canary i given to client
    /// i mod K. The client is fixed by the canary's index whether or not it is included, so
    /// flipping one mask bit adds or removes exactly one example of exactly one client — the
    /// neighbouring datasets the one-run audit's bound compares (Steinke, Nasr, Jagielski 2023,
    /// §3). Assigning by the rank among included canaries instead would move every later canary
    /// to another client when one bit flips.
    public func insert(into train: LabeledImages, shards: [[Int]]) -> (train: LabeledImages, shards: [[Int]]) {
        let included = mask.indices.filter { mask[$0] }
        let added = examples.subset(included)
        var shards = shards
        for (j, canary) in included.enumerated() { shards[canary % shards.count].append(train.count + j) }
        return (LabeledImages(pixels: train.pixels + added.pixels, labels: train.labels + added.labels), shards)
    }

    /// SHA-256 (hex) over the canonical encoding of the canaries and their mask, then the salt.
    public var commitment: String {
        CanaryCommitment.digest(imageIndices: imageIndices, labels: labels.map(Int.init), mask: mask, salt: salt)
    }
}
