/// How the per-example weight-gradient norm of one affine layer is computed.
enum PerExampleNormMethod: Equatable {
    /// One position per example (fully connected): ‖∇W_i‖² = ‖a_i‖²·‖g_i‖² (Goodfellow 2015,
    /// "Efficient per-example gradient computations"; Li et al. 2022, "Large Language Models Can
    /// Be Strong Differentially Private Learners", §4 ghost clipping), bias adds ‖g_i‖².
    case outerProduct
    /// Form ∇W_i = G_iᵀ·A_i (outputs × patch) per example and sum its squares.
    /// Cost ≈ P·outputs·patch multiply-adds.
    case materialize
    /// Ghost norm: ‖G_iᵀ A_i‖²_F = Σ_{p,q} (A_i A_iᵀ)_{pq} (G_i G_iᵀ)_{pq} (Li et al. 2022 eq. 4;
    /// Bu et al. 2023, "Differentially Private Optimization on Large Model at Small Cost", §3,
    /// who choose per layer between this and materialising). Cost ≈ P²·(patch + outputs).
    case ghostGram

    /// The cheaper method for a layer with `positions` rows per example (Bu et al. 2023, §3.2
    /// compare 2T² against pd). For the cnn: conv1 (P = 196, 16 × 64) materialises (0.2 M vs
    /// 3.1 M multiply-adds), conv2 (P = 25, 32 × 256) uses the Gram form (0.18 M vs 0.20 M).
    static func cheapest(_ shape: AffineShape) -> PerExampleNormMethod {
        cheapest(positions: shape.positions, patch: shape.patch, outputs: shape.outputs)
    }

    /// The same choice for `positions` rows of `patch` inputs and `outputs` outputs. Ghost norm is
    /// chosen only when P < k·d / (k + d), so its 2P² floats fit where one weight gradient (k·d)
    /// does: (k + d)² ≥ 4kd.
    static func cheapest(positions p: Int, patch d: Int, outputs k: Int) -> PerExampleNormMethod {
        if p == 1 { return .outerProduct }
        return p * p * (d + k) < p * k * d ? .ghostGram : .materialize
    }
}

extension NetworkWorkspace {
    /// After `backpropagate` (with per-example losses, i.e. gradient scale 1), writes each
    /// example's squared gradient norm over all parameters into `exampleSquaredNorm`.
    /// - Parameters:
    ///   - group: rows per example (augmentation multiplicity): example i is rows i·group ..<
    ///     (i+1)·group, whose gradients sum to its gradient, so to a layer it is one example with
    ///     group × as many positions (contiguous in every buffer).
    ///   - method: forces one method for every convolution (tests); default is the cheaper.
    func perExampleSquaredNorms(count n: Int, group: Int = 1, method: PerExampleNormMethod? = nil) {
        exampleSquaredNorm.pointer.update(repeating: 0, count: n)
        for (l, layer) in plan.layers.enumerated() {
            guard case .affine(let shape) = layer.spec else { continue }
            let dy = UnsafePointer(gradients[l].pointer)
            let x = UnsafePointer(cols[l]?.pointer ?? layerInput(l))
            let p = shape.positions * group, k = shape.outputs, d = shape.patch
            let chosen = p == 1 ? .outerProduct : (method ?? PerExampleNormMethod.cheapest(positions: p, patch: d, outputs: k))
            precondition(chosen != .ghostGram || 2 * p * p <= normScratch[0].count, "ghost norm of \(p) positions does not fit its scratch")
            forExampleParts(n) { part, examples in
                let scratch = normScratch[part].pointer, gemmScratch = gemm.scratch[part]
                for i in examples {
                    exampleSquaredNorm.pointer[i] += Self.squaredNorm(positions: p, outputs: k, patch: d, chosen, dy: dy, x: x, example: i,
                                                                      scratch: scratch, gemm: gemmScratch)
                }
            }
        }
    }

    /// ‖∇W_i‖² + ‖∇b_i‖² of one affine layer for example `i` of `p` positions.
    private static func squaredNorm(positions p: Int, outputs k: Int, patch d: Int, _ method: PerExampleNormMethod,
                                    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, example i: Int,
                                    scratch: UnsafeMutablePointer<Float>, gemm: GEMMScratch) -> Double {
        let g = dy + i * p * k, a = x + i * p * d
        var biasGradient = 0.0
        for o in 0..<k {
            var s: Float = 0
            for r in 0..<p { s += g[r * k + o] }
            biasGradient += Double(s) * Double(s)
        }
        switch method {
        case .outerProduct:
            return sumOfSquares(a, d) * sumOfSquares(g, k) + biasGradient
        case .materialize:
            GEMM.multiply(MatrixView(g, rows: p, cols: k).transposed, MatrixView(a, rows: p, cols: d),
                          into: scratch, ldc: d, accumulate: false, scratch: gemm)
            return sumOfSquares(scratch, k * d) + biasGradient
        case .ghostGram:
            let gramA = scratch, gramG = scratch + p * p
            GEMM.multiply(MatrixView(a, rows: p, cols: d), MatrixView(a, rows: p, cols: d).transposed,
                          into: gramA, ldc: p, accumulate: false, scratch: gemm)
            GEMM.multiply(MatrixView(g, rows: p, cols: k), MatrixView(g, rows: p, cols: k).transposed,
                          into: gramG, ldc: p, accumulate: false, scratch: gemm)
            var total = 0.0
            for j in 0..<(p * p) { total += Double(gramA[j]) * Double(gramG[j]) }
            return total + biasGradient
        }
    }

    private static func sumOfSquares(_ v: UnsafePointer<Float>, _ count: Int) -> Double {
        var total = 0.0
        for j in 0..<count { total += Double(v[j]) * Double(v[j]) }
        return total
    }
}
