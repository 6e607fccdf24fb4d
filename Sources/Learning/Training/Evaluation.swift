/// Accuracy and mean loss of a model on a labelled set.
public struct EvaluationResult: Sendable, Equatable, Codable {
    /// Fraction of examples whose largest logit is the label (ties go to the smaller class).
    public var accuracy: Double
    /// Mean softmax cross-entropy.
    public var meanLoss: Double
    public var count: Int
}

public enum Evaluation {
    /// Evaluates `parameters` on every example of `data`.
    ///
    /// The set is cut into `threads` contiguous parts, each run in batches of `batchSize` on its
    /// own workspace. Every example's logits depend only on that example (the GEMM computes each
    /// output element by one fixed sequence of operations), and losses are summed in example
    /// order afterwards, so the result does not depend on `threads` or `batchSize`.
    public static func evaluate(architecture: Architecture, parameters: [Float], on data: LabeledImages,
                                threads: Int = 2, batchSize: Int = 500) -> EvaluationResult {
        let plan = NetworkPlan(architecture)
        precondition(parameters.count == plan.parameterCount, "wrong parameter count")
        let n = data.count
        if n == 0 { return EvaluationResult(accuracy: 0, meanLoss: 0, count: 0) }
        let parts = max(1, min(threads, n / 64))
        let workspaces = (0..<parts).map { _ in NetworkWorkspace(plan: plan, threads: 1, capacity: batchSize) }
        var losses = [Double](repeating: 0, count: n)
        var correct = [Int](repeating: 0, count: parts)
        losses.withUnsafeMutableBufferPointer { lossBuffer in
            correct.withUnsafeMutableBufferPointer { correctBuffer in
                parameters.withUnsafeBufferPointer { p in
                    let losses = UncheckedSendable(lossBuffer), correct = UncheckedSendable(correctBuffer)
                    let params = UncheckedSendable(p.baseAddress!)
                    Parallel.forEach(parts: parts) { part in
                        let ws = workspaces[part]
                        let range = Parallel.range(part: part, of: parts, count: n)
                        var start = range.lowerBound
                        while start < range.upperBound {
                            let end = min(start + batchSize, range.upperBound)
                            ws.load(data, indices: start..<end)
                            ws.forward(parameters: params.value, count: end - start)
                            correct.value[part] += ws.softmaxCrossEntropy(count: end - start, gradientScale: 0)
                            for i in 0..<(end - start) { losses.value[start + i] = ws.exampleLoss.pointer[i] }
                            start = end
                        }
                    }
                }
            }
        }
        var lossSum = 0.0
        for l in losses { lossSum += l }
        let right = correct.reduce(0, +)
        return EvaluationResult(accuracy: Double(right) / Double(n), meanLoss: lossSum / Double(n), count: n)
    }
}
