import Randomness

/// The shape of the two-layer perceptron evaluated on shares, and where its parameters sit in
/// the pipeline's flat parameter vector.
///
/// Flat layout (`MLPLayout.mnist`: 784-128-10, 101,770 parameters), in this order:
/// 1. W1, inputs × hidden, row-major with the input index outer: W1[i·hidden + j] is the weight
///    from input pixel i to hidden unit j (so hidden = x · W1 for a row vector x);
/// 2. b1, hidden values;
/// 3. W2, hidden × outputs, row-major the same way: W2[j·outputs + c];
/// 4. b2, outputs values.
public struct MLPLayout: Sendable, Hashable {
    public let inputs: Int
    public let hidden: Int
    public let outputs: Int

    public init(inputs: Int, hidden: Int, outputs: Int) {
        precondition(inputs > 0 && hidden > 0 && outputs > 1, "layer sizes must be positive, with at least two classes")
        self.inputs = inputs
        self.hidden = hidden
        self.outputs = outputs
    }

    /// The pipeline's mlp: 784-128-10.
    public static let mnist = MLPLayout(inputs: 784, hidden: 128, outputs: 10)

    public var parameterCount: Int { inputs * hidden + hidden + hidden * outputs + outputs }

    /// (offset, count) of W1, b1, W2, b2 in the flat vector.
    public var w1: Range<Int> { 0..<(inputs * hidden) }
    public var b1: Range<Int> { w1.upperBound..<(w1.upperBound + hidden) }
    public var w2: Range<Int> { b1.upperBound..<(b1.upperBound + hidden * outputs) }
    public var b2: Range<Int> { w2.upperBound..<(w2.upperBound + outputs) }
}

/// The outcome of a secure evaluation: only the number of correct predictions is revealed.
public struct SecureEvaluationResult: Sendable, Hashable, Codable {
    public let correct: Int
    public let total: Int
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }
    /// Triples, random bits, bytes and rounds the evaluation consumed.
    public let statistics: TwoPartyStatistics
}

/// `secure_evaluate`: the forward pass of an MLP on a secret-shared model and test set, between two
/// non-colluding parties P0 and P1 with a crypto provider dealing triples, revealing only how many
/// test examples are classified correctly.
///
/// Protocol per batch: the model owner shares W1, b1, W2, b2 and the data owner shares the images
/// and one-hot labels (fixed point, f fractional bits; labels as integers 0/1);
/// h = ReLU(trunc(X·W1) + b1) and z = trunc(h·W2) + b2 with matrix Beaver triples and SecureML
/// truncation; then for each example the shared label logit ℓ = Σ_c y_c z_c (element-wise Beaver
/// products) is compared with every logit, correct = ∧_c [ℓ − z_c ≥ 0] (AND-tree on XOR shares),
/// converted to an arithmetic share and summed over the batch; only that sum is opened.
///
/// ReLU choice — an exact secure comparison (`nonNegativeBits`), not a polynomial approximation:
/// (1) the evaluation has to compare logits anyway to count correct argmaxes without revealing
/// them, so the comparison circuit is needed regardless; (2) a polynomial fits ReLU only on a
/// bounded interval and its error grows with the pre-activation range, which for trained weights
/// is not known in advance, whereas the comparison is exact and keeps the secure logits within the
/// truncation error (≈ 2^−f per product term) of the plaintext ones, so argmaxes agree except on
/// near-ties; (3) it costs 13 AND-word triples and 7 rounds per batch of comparisons, which is
/// small next to the 784×128 matrix product.
public struct SecureMLPEvaluation: Sendable {
    public let layout: MLPLayout
    /// f: with 16 fractional bits a product of two encodings has 32, so a pre-activation below 2^5
    /// in magnitude is below 2^37 in the ring and SecureML truncation fails with probability at
    /// most 2^−26 per element (2^−23 below 2^8).
    public let fractionalBits: Int
    public let threads: Int

    public init(layout: MLPLayout = .mnist, fractionalBits: Int = 16, threads: Int = 1) {
        self.layout = layout
        self.fractionalBits = fractionalBits
        self.threads = threads
    }

    /// Evaluates accuracy on shares.
    /// - Parameters:
    ///   - parameters: the flat parameter vector in `MLPLayout` order (W1 input-major, b1, W2, b2).
    ///   - images: examples × `layout.inputs` values, row-major (pixels scaled as in training).
    ///   - labels: the class of each example, in 0..<`layout.outputs`.
    ///   - batchSize: examples per batch (memory ≈ 60 · batchSize · inputs bytes).
    ///   - streams: randomness; the dealer uses `dealer`, the owners `model-owner` and `data-owner`.
    /// - Throws: `invalidParameters` / `lengthMismatch` for wrong sizes or labels,
    ///   `fixedPointOverflow` for values too large for the encoding.
    public func evaluate(parameters: [Float], images: [Float], labels: [Int], batchSize: Int = 500,
                         streams: ScopedRandomStreams) throws -> SecureEvaluationResult {
        try evaluate(parameters: parameters, images: images, labels: labels, batchSize: batchSize,
                     randomness: SecureEvaluationRandomness(streams: streams))
    }

    /// `evaluate` with each party's randomness given apart (each from the party's own secret root).
    public func evaluate(parameters: [Float], images: [Float], labels: [Int], batchSize: Int = 500,
                         randomness: SecureEvaluationRandomness) throws -> SecureEvaluationResult {
        let (shared, total) = try sharedLogits(parameters: parameters, images: images, labels: labels,
                                               batchSize: batchSize, randomness: randomness) { engine, logits, onehot in
            engine.correctCount(logits: logits, oneHotLabels: onehot, classes: layout.outputs)
        }
        var correct = 0, engineStats = TwoPartyStatistics()
        for (count, stats) in shared { correct += count; engineStats = stats }
        return SecureEvaluationResult(correct: correct, total: total, statistics: engineStats)
    }

    /// Runs the secure forward pass batch by batch and hands each batch's shared logits and
    /// one-hot labels to `finish`, which decides what is revealed. `evaluate` reveals the count;
    /// tests reveal the logits to compare with plaintext.
    func sharedLogits<R>(parameters: [Float], images: [Float], labels: [Int], batchSize: Int, streams: ScopedRandomStreams,
                         finish: (inout TwoPartyComputation, SharedMatrix, SharedMatrix) -> R) throws -> ([(R, TwoPartyStatistics)], Int) {
        try sharedLogits(parameters: parameters, images: images, labels: labels, batchSize: batchSize,
                         randomness: SecureEvaluationRandomness(streams: streams), finish: finish)
    }

    func sharedLogits<R>(parameters: [Float], images: [Float], labels: [Int], batchSize: Int, randomness: SecureEvaluationRandomness,
                         finish: (inout TwoPartyComputation, SharedMatrix, SharedMatrix) -> R) throws -> ([(R, TwoPartyStatistics)], Int) {
        guard parameters.count == layout.parameterCount else {
            throw SecureComputationError.lengthMismatch(expected: layout.parameterCount, got: parameters.count)
        }
        guard images.count == labels.count * layout.inputs else {
            throw SecureComputationError.lengthMismatch(expected: labels.count * layout.inputs, got: images.count)
        }
        guard labels.allSatisfy({ (0..<layout.outputs).contains($0) }) else {
            throw SecureComputationError.invalidParameters("labels must be in 0..<\(layout.outputs)")
        }
        guard batchSize >= 1 else { throw SecureComputationError.invalidParameters("batch size must be positive") }
        // Products of two encodings have 2f bits; 2^20 headroom either side of the binary point.
        let encoding = try FixedPointEncoding(fractionalBits: fractionalBits, maxSummands: 1 << 20)
        var modelOwner = randomness.modelOwner, dataOwner = randomness.dataOwner
        func share(_ values: [UInt64], rows: Int, columns: Int, _ g: inout ChaCha20Generator) -> SharedMatrix {
            let s = AdditiveSecretSharing.shareExplicitly(values, holders: 2, using: &g)
            return SharedMatrix(rows: rows, columns: columns, share0: s[0], share1: s[1])
        }
        let w1 = share(try encoding.encode(Array(parameters[layout.w1])), rows: layout.inputs, columns: layout.hidden, &modelOwner)
        let b1 = share(try encoding.encode(Array(parameters[layout.b1])), rows: 1, columns: layout.hidden, &modelOwner)
        let w2 = share(try encoding.encode(Array(parameters[layout.w2])), rows: layout.hidden, columns: layout.outputs, &modelOwner)
        let b2 = share(try encoding.encode(Array(parameters[layout.b2])), rows: 1, columns: layout.outputs, &modelOwner)
        var engine = TwoPartyComputation(fractionalBits: fractionalBits,
                                         dealer: BeaverDealer(generator: randomness.dealer), threads: threads)
        var results: [(R, TwoPartyStatistics)] = []
        var start = 0
        while start < labels.count {
            let end = min(labels.count, start + batchSize), rows = end - start
            let x = share(try encoding.encode(Array(images[(start * layout.inputs)..<(end * layout.inputs)])),
                          rows: rows, columns: layout.inputs, &dataOwner)
            var onehotPlain = [UInt64](repeating: 0, count: rows * layout.outputs)
            for r in 0..<rows { onehotPlain[r * layout.outputs + labels[start + r]] = 1 }
            let y = share(onehotPlain, rows: rows, columns: layout.outputs, &dataOwner)
            let h = engine.relu(engine.multiplyFixedPoint(x, w1).addingRow(b1))
            let z = engine.multiplyFixedPoint(h, w2).addingRow(b2)
            results.append((finish(&engine, z, y), engine.statistics))
            start = end
        }
        return (results, labels.count)
    }
}

extension TwoPartyComputation {
    /// Opens only Σ_examples [argmax is the label] for shared logits (rows = examples) and shared
    /// one-hot labels. Ties count as correct.
    mutating func correctCount(logits z: SharedMatrix, oneHotLabels y: SharedMatrix, classes: Int) -> Int {
        let rows = z.rows
        let products = multiplyElementwise(z, y)  // y is 0/1: no truncation
        var label = SharedMatrix(rows: rows, columns: classes, share0: [UInt64](repeating: 0, count: rows * classes),
                                 share1: [UInt64](repeating: 0, count: rows * classes))
        for r in 0..<rows {
            var s0: UInt64 = 0, s1: UInt64 = 0
            for c in 0..<classes { s0 &+= products.share0[r * classes + c]; s1 &+= products.share1[r * classes + c] }
            for c in 0..<classes { label.share0[r * classes + c] = s0; label.share1[r * classes + c] = s1 }
        }
        var bits = nonNegativeBits(label - z)  // [ℓ ≥ z_c] for every example and class
        // AND-tree over the classes of each example (bit 0 of each word).
        var width = classes
        while width > 1 {
            let half = width / 2
            var left = SharedBits(share0: [], share1: []), right = SharedBits(share0: [], share1: [])
            for r in 0..<rows {
                for c in 0..<half {
                    left.share0.append(bits.share0[r * width + c]); left.share1.append(bits.share1[r * width + c])
                    right.share0.append(bits.share0[r * width + half + c]); right.share1.append(bits.share1[r * width + half + c])
                }
            }
            let anded = and(left, right)
            let next = width - half
            var merged = SharedBits(share0: [], share1: [])
            for r in 0..<rows {
                for c in 0..<half { merged.share0.append(anded.share0[r * half + c]); merged.share1.append(anded.share1[r * half + c]) }
                if next > half { merged.share0.append(bits.share0[r * width + width - 1]); merged.share1.append(bits.share1[r * width + width - 1]) }
            }
            bits = merged
            width = next
        }
        let correct = arithmetic(bits)
        var sum0: UInt64 = 0, sum1: UInt64 = 0
        for i in 0..<rows { sum0 &+= correct.share0[i]; sum1 &+= correct.share1[i] }
        let total = open(SharedMatrix(rows: 1, columns: 1, share0: [sum0], share1: [sum1]))
        return Int(total[0])
    }
}

/// The three parties' randomness of a secure evaluation: the model owner's and the data owner's
/// sharing randomness and the crypto provider's (dealer's) triples, each from its own party.
public struct SecureEvaluationRandomness: Sendable {
    public var modelOwner: ChaCha20Generator
    public var dataOwner: ChaCha20Generator
    public var dealer: ChaCha20Generator

    public init(modelOwner: ChaCha20Generator, dataOwner: ChaCha20Generator, dealer: ChaCha20Generator) {
        self.modelOwner = modelOwner; self.dataOwner = dataOwner; self.dealer = dealer
    }

    /// All three from one set of streams (`model-owner`, `data-owner`, `dealer`): tests and benchmarks.
    public init(streams: ScopedRandomStreams) {
        self.init(modelOwner: streams.generator("model-owner"), dataOwner: streams.generator("data-owner"),
                  dealer: streams.generator("dealer"))
    }
}
