/// The sum of per-example clipped gradients of a batch, the core of DP-SGD (Abadi et al.,
/// "Deep Learning with Differential Privacy", CCS 2016, Algorithm 1), before noise.
public struct ClippedGradientSum: Sendable {
    /// Σ_i min(1, C / (‖g_i‖ + 10⁻⁶)) · g_i, flat like the parameters.
    public var gradientSum: [Float]
    /// ‖g_i‖: the L2 norm over all parameters of example i's loss gradient (before clipping).
    public var perExampleNorms: [Float]
    /// Σ_i loss_i (softmax cross-entropy), in example order.
    public var lossSum: Double
    /// Number of examples (may be 0 under Poisson sampling).
    public var count: Int
}

extension GradientEngine {
    /// Per-example clipped gradient sum on a batch.
    ///
    /// One forward and one backward pass give every layer's output gradient G (per-example
    /// losses, not averaged). Per-example norms come from G and the layer inputs without
    /// materialising per-example gradients where cheaper (see `PerExampleNormMethod`). The
    /// clip factors c_i = min(1, C / (‖g_i‖ + 10⁻⁶)) (the 10⁻⁶ as in Opacus, so c_i·‖g_i‖ ≤ C)
    /// then scale the rows of G, and one ordinary weight-gradient GEMM per layer gives
    /// Σ_i c_i·g_i ("ghost clipping", Li et al. 2022, §4; Bu et al. 2023).
    /// - Parameters:
    ///   - parameters: the flat parameter vector.
    ///   - images: `labels.count × 784` pixels.
    ///   - labels: digits 0...9; may be empty.
    ///   - maxGradNorm: the clipping bound C > 0.
    public func clippedGradientSum(parameters: [Float], images: [Float], labels: [UInt8],
                                   maxGradNorm: Float) -> ClippedGradientSum {
        workspace.load(images: images, labels: labels)
        return clippedGradientSumOfLoaded(parameters: parameters, count: labels.count, maxGradNorm: maxGradNorm)
    }

    /// Per-example clipped gradient sum on the examples `indices` of `data` (see the other overload).
    public func clippedGradientSum(parameters: [Float], data: LabeledImages, indices: [Int],
                                   maxGradNorm: Float) -> ClippedGradientSum {
        workspace.load(data, indices: indices)
        return clippedGradientSumOfLoaded(parameters: parameters, count: indices.count, maxGradNorm: maxGradNorm)
    }

    func clippedGradientSumOfLoaded(parameters: [Float], count n: Int, maxGradNorm: Float,
                                    method: PerExampleNormMethod? = nil) -> ClippedGradientSum {
        precondition(maxGradNorm > 0 && maxGradNorm.isFinite, "maxGradNorm must be positive and finite")
        precondition(parameters.count == workspace.plan.parameterCount, "wrong parameter count")
        if n == 0 {
            return ClippedGradientSum(gradientSum: [Float](repeating: 0, count: parameters.count),
                                      perExampleNorms: [], lossSum: 0, count: 0)
        }
        let ws = workspace
        var norms = [Float](repeating: 0, count: n)
        parameters.withUnsafeBufferPointer { p in
            let params = p.baseAddress!
            ws.forward(parameters: params, count: n)
            ws.softmaxCrossEntropy(count: n, gradientScale: 1)
            ws.backpropagate(parameters: params, count: n)
            ws.perExampleSquaredNorms(count: n, method: method)
            for i in 0..<n {
                let norm = Float(ws.exampleSquaredNorm.pointer[i].squareRoot())
                norms[i] = norm
                ws.exampleScale.pointer[i] = min(1, maxGradNorm / (norm + 1e-6))
            }
            ws.parameterGradients(into: gradient.pointer, count: n, exampleScales: ws.exampleScale.pointer)
        }
        return ClippedGradientSum(gradientSum: Array(UnsafeBufferPointer(start: gradient.pointer, count: gradient.count)),
                                  perExampleNorms: norms, lossSum: ws.lossSum(count: n), count: n)
    }
}

/// Convenience: a one-off engine for `clippedGradientSum` (allocates its workspace; keep a
/// `GradientEngine` for repeated calls).
public func clippedGradientSum(architecture: Architecture, parameters: [Float], images: [Float], labels: [UInt8],
                               maxGradNorm: Float, threads: Int = 1) -> ClippedGradientSum {
    GradientEngine(architecture: architecture, threads: threads, batchCapacity: max(labels.count, 1))
        .clippedGradientSum(parameters: parameters, images: images, labels: labels, maxGradNorm: maxGradNorm)
}
