/// Computes losses and gradients of one architecture on batches, reusing preallocated buffers.
///
/// Results are bit-identical for any `threads` value (the parallel kernels split disjoint
/// outputs only; see `GEMM`). A class because it owns reusable workspace memory; use one per
/// thread of the caller.
public final class GradientEngine {
    public let architecture: Architecture
    public let threads: Int
    let workspace: NetworkWorkspace
    let gradient: FloatBuffer

    /// - Parameters:
    ///   - architecture: the network.
    ///   - threads: 1 or 2 worker threads for the kernels.
    ///   - batchCapacity: initial batch size to allocate for (grows on demand).
    public init(architecture: Architecture, threads: Int = 1, batchCapacity: Int = 256) {
        precondition(threads >= 1 && threads <= 64, "threads must be in 1...64")
        self.architecture = architecture
        self.threads = threads
        let plan = NetworkPlan(architecture)
        workspace = NetworkWorkspace(plan: plan, threads: threads, capacity: batchCapacity)
        gradient = FloatBuffer(count: plan.parameterCount)
    }

    /// Mean cross-entropy loss on a batch and its gradient (of the mean) with respect to every parameter.
    /// - Parameters:
    ///   - parameters: the flat parameter vector.
    ///   - images: `labels.count × 784` pixels.
    ///   - labels: digits 0...9.
    public func meanLossAndGradient(parameters: [Float], images: [Float], labels: [UInt8])
        -> (meanLoss: Double, gradient: [Float]) {
        precondition(parameters.count == workspace.plan.parameterCount, "wrong parameter count")
        workspace.load(images: images, labels: labels)
        let n = labels.count
        let lossSum = parameters.withUnsafeBufferPointer { p in
            lossAndGradient(parameters: p.baseAddress!, count: n, gradientScale: n == 0 ? 0 : 1 / Float(n))
        }
        let g = Array(UnsafeBufferPointer(start: gradient.pointer, count: gradient.count))
        return (n == 0 ? 0 : lossSum / Double(n), g)
    }

    /// Forward, loss, backward on the `n` loaded examples; the gradient of
    /// `gradientScale · Σ losses` lands in `gradient`. Returns the loss sum.
    func lossAndGradient(parameters: UnsafePointer<Float>, count n: Int, gradientScale: Float) -> Double {
        workspace.forward(parameters: parameters, count: n)
        workspace.softmaxCrossEntropy(count: n, gradientScale: gradientScale)
        workspace.backpropagate(parameters: parameters, count: n)
        workspace.parameterGradients(into: gradient.pointer, count: n)
        return workspace.lossSum(count: n)
    }

    /// Logits of a batch, `labels.count × 10`, and the per-example losses.
    public func logitsAndLosses(parameters: [Float], images: [Float], labels: [UInt8])
        -> (logits: [Float], losses: [Double]) {
        precondition(parameters.count == workspace.plan.parameterCount, "wrong parameter count")
        workspace.load(images: images, labels: labels)
        let n = labels.count
        parameters.withUnsafeBufferPointer { workspace.forward(parameters: $0.baseAddress!, count: n) }
        workspace.softmaxCrossEntropy(count: n, gradientScale: 0)
        let logits = Array(UnsafeBufferPointer(start: workspace.logits, count: n * workspace.plan.classes))
        let losses = Array(UnsafeBufferPointer(start: workspace.exampleLoss.pointer, count: n))
        return (logits, losses)
    }
}
