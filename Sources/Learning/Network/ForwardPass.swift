extension NetworkWorkspace {
    /// Runs the network on the first `n` loaded examples, filling every layer's output.
    /// Affine layers compute `Y = b + X·Wᵀ` (bias first, then the GEMM accumulates in input order).
    func forward(parameters: UnsafePointer<Float>, count n: Int) {
        for (l, layer) in plan.layers.enumerated() {
            let x = UnsafePointer(layerInput(l))
            let y = outputs[l].pointer
            switch layer.spec {
            case .affine(let shape):
                var rowsSource = x
                if case .conv(let g) = shape {
                    let c = cols[l]!.pointer
                    forExamples(n) { Im2Col.lower(g, input: x, cols: c, examples: $0) }
                    rowsSource = UnsafePointer(c)
                }
                let rows = n * shape.positions
                let w = parameters + layer.parameterOffset
                let b = w + shape.weightCount
                for r in 0..<rows { (y + r * shape.outputs).update(from: b, count: shape.outputs) }
                GEMM.multiply(MatrixView(rowsSource, rows: rows, cols: shape.patch),
                              MatrixView(w, rows: shape.outputs, cols: shape.patch).transposed,
                              into: y, ldc: shape.outputs, accumulate: true, workspace: gemm, threads: threads)
            case .relu:
                let size = layer.outputSize
                for i in 0..<(n * size) { y[i] = x[i] > 0 ? x[i] : 0 }
            case .tanh:
                let size = layer.outputSize
                forExamples(n) { range in
                    for i in (range.lowerBound * size)..<(range.upperBound * size) { y[i] = ScalarMath.tanh(x[i]) }
                }
            case .maxPool(let g):
                let arg = argmax[l]!.pointer
                forExamples(n) { MaxPool.forward(g, input: x, output: y, argmax: arg, examples: $0) }
            case .flatten:
                y.update(from: x, count: n * layer.outputSize)
            case .groupNorm(let g):
                forExamples(n) { GroupNorm.forward(g, input: x, output: y, examples: $0) }
            }
        }
    }

    /// The logits of the last forward pass, `n × classes`.
    var logits: UnsafeMutablePointer<Float> { outputs[plan.layers.count - 1].pointer }

    /// Softmax cross-entropy on the last forward pass: stores each example's loss
    /// (`log Σ_j e^{z_j} − z_y`, computed as `m + log Σ e^{z_j − m}` with m = max z) in
    /// `exampleLoss`, and writes `gradientScale · (softmax(z) − onehot(y))` into the logits'
    /// gradient buffer. Returns the number of examples whose arg-max logit equals the label.
    @discardableResult
    func softmaxCrossEntropy(count n: Int, gradientScale: Float) -> Int {
        let k = plan.classes
        let z = logits, g = gradients[plan.layers.count - 1].pointer
        var correct = 0
        for i in 0..<n {
            let zi = z + i * k, gi = g + i * k
            var best = 0
            for j in 1..<k where zi[j] > zi[best] { best = j }
            let m = zi[best]
            var sum: Float = 0
            for j in 0..<k {
                let e = ScalarMath.exp(zi[j] - m)
                gi[j] = e
                sum += e
            }
            let label = Int(labels.pointer[i])
            if best == label { correct += 1 }
            exampleLoss.pointer[i] = Double(m) + ScalarMath.log(Double(sum)) - Double(zi[label])
            let inverse = gradientScale / sum
            for j in 0..<k { gi[j] *= inverse }
            gi[label] -= gradientScale
        }
        return correct
    }

    /// Σ of the per-example losses of the last `softmaxCrossEntropy`, in example order.
    func lossSum(count n: Int) -> Double {
        var total = 0.0
        for i in 0..<n { total += exampleLoss.pointer[i] }
        return total
    }
}
