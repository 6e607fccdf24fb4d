/// Preallocated buffers for running one network on batches of up to `capacity` examples:
/// every layer's output and output gradient, the im2col matrices of the convolutions, the
/// max-pool winners, per-example losses and the GEMM packing buffers. Nothing is allocated
/// while a batch runs; the buffers grow only when a larger batch arrives.
///
/// A class because it is a resource with identity (reused, mutated in place); one per thread of
/// the caller, never shared.
final class NetworkWorkspace {
    let plan: NetworkPlan
    let threads: Int
    let gemm: GEMMWorkspace
    private(set) var capacity = 0

    /// Batch input, `capacity × plan.inputSize`.
    private(set) var input = FloatBuffer(count: 0)
    /// Batch labels.
    private(set) var labels = AlignedBuffer<UInt8>(count: 0, repeating: 0)
    /// Per layer: output activations.
    private(set) var outputs: [FloatBuffer] = []
    /// Per layer: gradient of the loss with respect to the layer's output.
    private(set) var gradients: [FloatBuffer] = []
    /// Per convolution layer: the im2col matrix and its gradient.
    private(set) var cols: [FloatBuffer?] = []
    private(set) var colGradients: [FloatBuffer?] = []
    /// Per max-pool layer: the winning input offset of each output.
    private(set) var argmax: [AlignedBuffer<Int32>?] = []
    /// Per example: cross-entropy loss, squared gradient norm, clipping factor.
    private(set) var exampleLoss = AlignedBuffer<Double>(count: 0, repeating: 0)
    private(set) var exampleSquaredNorm = AlignedBuffer<Double>(count: 0, repeating: 0)
    private(set) var exampleScale = FloatBuffer(count: 0)
    /// Per thread: room for one example's materialised weight gradient or Gram matrices.
    private(set) var normScratch: [FloatBuffer] = []

    init(plan: NetworkPlan, threads: Int, capacity: Int) {
        precondition(threads >= 1, "threads must be at least 1")
        self.plan = plan
        self.threads = threads
        self.gemm = GEMMWorkspace(threads: threads)
        let scratchSize = plan.layers.map { layer -> Int in
            guard case .affine(let shape) = layer.spec else { return 0 }
            return max(shape.weightCount, 2 * shape.positions * shape.positions)
        }.max() ?? 0
        normScratch = (0..<threads).map { _ in FloatBuffer(count: scratchSize) }
        reserve(max(capacity, 1))
    }

    /// Grows every buffer to hold `n` examples (no-op when they already do).
    func reserve(_ n: Int) {
        guard n > capacity else { return }
        capacity = n
        input = FloatBuffer(count: n * plan.inputSize)
        labels = AlignedBuffer(count: n, repeating: 0)
        outputs = plan.layers.map { FloatBuffer(count: n * $0.outputSize) }
        gradients = plan.layers.map { FloatBuffer(count: n * $0.outputSize) }
        cols = plan.layers.map { layer in
            guard case .affine(.conv(let g)) = layer.spec else { return nil }
            return FloatBuffer(count: n * g.positions * g.patch)
        }
        colGradients = plan.layers.enumerated().map { index, layer in
            guard index > 0, case .affine(.conv(let g)) = layer.spec else { return nil }
            return FloatBuffer(count: n * g.positions * g.patch)
        }
        argmax = plan.layers.map { layer in
            guard case .maxPool(let g) = layer.spec else { return nil }
            return AlignedBuffer(count: n * g.outputSize, repeating: 0)
        }
        exampleLoss = AlignedBuffer(count: n, repeating: 0)
        exampleSquaredNorm = AlignedBuffer(count: n, repeating: 0)
        exampleScale = FloatBuffer(count: n)
    }

    /// Copies examples `indices` of `data` into the batch buffers.
    func load(_ data: LabeledImages, indices: some Collection<Int>) {
        reserve(indices.count)
        let d = data.width
        precondition(d == plan.inputSize, "examples of \(d) floats, the network takes \(plan.inputSize)")
        data.pixels.withUnsafeBufferPointer { pixels in
            for (row, index) in indices.enumerated() {
                precondition(index >= 0 && index < data.count, "example index \(index) out of range")
                (input.pointer + row * d).update(from: pixels.baseAddress! + index * d, count: d)
                labels.pointer[row] = data.labels[index]
            }
        }
    }

    /// Copies a contiguous batch (`labels.count × plan.inputSize` floats) into the batch buffers.
    func load(images: [Float], labels batchLabels: [UInt8]) {
        precondition(images.count == batchLabels.count * plan.inputSize, "images must hold \(plan.inputSize) floats per label")
        reserve(batchLabels.count)
        images.withUnsafeBufferPointer { if let base = $0.baseAddress { input.pointer.update(from: base, count: $0.count) } }
        for (i, label) in batchLabels.enumerated() {
            precondition(label < plan.classes, "label \(label) out of range")
            labels.pointer[i] = label
        }
    }

    /// The activations feeding layer `l` (the batch input for layer 0).
    func layerInput(_ l: Int) -> UnsafeMutablePointer<Float> { l == 0 ? input.pointer : outputs[l - 1].pointer }

    /// Runs `body` over examples `0..<n`, split in a fixed way over the threads when `n` is large
    /// enough; each example's work is independent, so the split does not change any result.
    func forExamples(_ n: Int, _ body: (Range<Int>) -> Void) {
        forExampleParts(n) { _, range in body(range) }
    }

    /// As `forExamples`, also passing the part index (to pick per-thread scratch buffers).
    func forExampleParts(_ n: Int, _ body: (Int, Range<Int>) -> Void) {
        let parts = n >= 16 ? threads : 1
        Parallel.forEach(parts: parts) { part in body(part, Parallel.range(part: part, of: parts, count: n)) }
    }
}
