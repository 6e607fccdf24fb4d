extension NetworkWorkspace {
    /// Propagates the logits' gradient (set by `softmaxCrossEntropy`) back through the network,
    /// filling every layer's output gradient. Parameter gradients are a separate step
    /// (`parameterGradients`), so that per-example clipping can rescale the output gradients first.
    func backpropagate(parameters: UnsafePointer<Float>, count n: Int) {
        for l in stride(from: plan.layers.count - 1, to: 0, by: -1) {
            let layer = plan.layers[l]
            let dy = UnsafePointer(gradients[l].pointer)
            let dx = gradients[l - 1].pointer
            switch layer.spec {
            case .affine(let shape):
                let rows = n * shape.positions
                let w = parameters + layer.parameterOffset
                let target = colGradients[l]?.pointer ?? dx
                // dX = dY · W: (rows × outputs) · (outputs × patch).
                GEMM.multiply(MatrixView(dy, rows: rows, cols: shape.outputs),
                              MatrixView(w, rows: shape.outputs, cols: shape.patch),
                              into: target, ldc: shape.patch, accumulate: false, workspace: gemm, threads: threads)
                if case .conv(let g) = shape {
                    let source = UnsafePointer(target)
                    forExamples(n) { Im2Col.raise(g, cols: source, inputGradient: dx, examples: $0) }
                }
            case .relu:
                let y = outputs[l].pointer
                for i in 0..<(n * layer.outputSize) { dx[i] = y[i] > 0 ? dy[i] : 0 }
            case .tanh:
                let y = outputs[l].pointer
                for i in 0..<(n * layer.outputSize) { dx[i] = dy[i] * (1 - y[i] * y[i]) }
            case .maxPool(let g):
                let arg = UnsafePointer(argmax[l]!.pointer)
                forExamples(n) { MaxPool.backward(g, outputGradient: dy, argmax: arg, inputGradient: dx, examples: $0) }
            case .flatten:
                dx.update(from: dy, count: n * layer.outputSize)
            case .groupNorm(let g):
                let x = UnsafePointer(layerInput(l)), y = UnsafePointer(outputs[l].pointer)
                forExamples(n) { GroupNorm.backward(g, input: x, output: y, outputGradient: dy, inputGradient: dx, examples: $0) }
            }
        }
    }

    /// Writes the gradient of every parameter into `gradient` (flat, like the parameters):
    /// `dW = dYᵀ·X`, `db = Σ_rows dY`. With `exampleScales`, the rows of each example's output
    /// gradient are first multiplied in place by its scale, so the result is
    /// `Σ_i scale_i · ∇loss_i` in one GEMM per layer.
    func parameterGradients(into gradient: UnsafeMutablePointer<Float>, count n: Int,
                            exampleScales: UnsafePointer<Float>? = nil) {
        for (l, layer) in plan.layers.enumerated() {
            guard case .affine(let shape) = layer.spec else { continue }
            let dy = gradients[l].pointer
            let p = shape.positions, k = shape.outputs
            if let scales = exampleScales {
                for i in 0..<n {
                    let s = scales[i]
                    let rowBlock = dy + i * p * k
                    for j in 0..<(p * k) { rowBlock[j] *= s }
                }
            }
            let rows = n * p
            let x = UnsafePointer(cols[l]?.pointer ?? layerInput(l))
            let dw = gradient + layer.parameterOffset
            GEMM.multiply(MatrixView(UnsafePointer(dy), rows: rows, cols: k).transposed,
                          MatrixView(x, rows: rows, cols: shape.patch),
                          into: dw, ldc: shape.patch, accumulate: false, workspace: gemm, threads: threads)
            let db = dw + shape.weightCount
            db.update(repeating: 0, count: k)
            for r in 0..<rows {
                let row = dy + r * k
                for o in 0..<k { db[o] += row[o] }
            }
        }
    }
}
