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

    /// The clipped sum over the `n` loaded examples. With `group` K > 1 the workspace holds K
    /// rows per example (`loadAugmented`): each row's loss gradient is scaled by 1/K, so a
    /// group's gradients sum to the mean over its copies, and each group is one example to the
    /// norms and the clip factors.
    func clippedGradientSumOfLoaded(parameters: [Float], count n: Int, maxGradNorm: Float, group: Int = 1,
                                    method: PerExampleNormMethod? = nil) -> ClippedGradientSum {
        precondition(maxGradNorm > 0 && maxGradNorm.isFinite, "maxGradNorm must be positive and finite")
        precondition(parameters.count == workspace.plan.parameterCount, "wrong parameter count")
        precondition(group >= 1, "group must be at least 1")
        if n == 0 {
            return ClippedGradientSum(gradientSum: [Float](repeating: 0, count: parameters.count),
                                      perExampleNorms: [], lossSum: 0, count: 0)
        }
        let ws = workspace, rows = n * group
        var norms = [Float](repeating: 0, count: n)
        parameters.withUnsafeBufferPointer { p in
            let params = p.baseAddress!
            ws.forward(parameters: params, count: rows)
            ws.softmaxCrossEntropy(count: rows, gradientScale: 1 / Float(group))
            ws.backpropagate(parameters: params, count: rows)
            ws.perExampleSquaredNorms(count: n, group: group, method: method)
            for i in 0..<n {
                let norm = Float(ws.exampleSquaredNorm.pointer[i].squareRoot())
                norms[i] = norm
                let scale = min(1, maxGradNorm / (norm + 1e-6))
                for row in (i * group)..<((i + 1) * group) { ws.exampleScale.pointer[row] = scale }
            }
            ws.parameterGradients(into: gradient.pointer, count: rows, exampleScales: ws.exampleScale.pointer)
        }
        // x / 1 is x exactly, so one copy keeps plain DP-SGD's loss sum bit for bit.
        return ClippedGradientSum(gradientSum: Array(UnsafeBufferPointer(start: gradient.pointer, count: gradient.count)),
                                  perExampleNorms: norms, lossSum: ws.lossSum(count: rows) / Double(group), count: n)
    }
}

/// Convenience: a one-off engine for `clippedGradientSum` (allocates its workspace; keep a
/// `GradientEngine` for repeated calls).
public func clippedGradientSum(architecture: Architecture, parameters: [Float], images: [Float], labels: [UInt8],
                               maxGradNorm: Float, threads: Int = 1) -> ClippedGradientSum {
    GradientEngine(architecture: architecture, threads: threads, batchCapacity: max(labels.count, 1))
        .clippedGradientSum(parameters: parameters, images: images, labels: labels, maxGradNorm: maxGradNorm)
}
