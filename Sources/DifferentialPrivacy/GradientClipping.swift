/// L2 clipping, the step that bounds each contribution's sensitivity.
public enum GradientClipping {
    /// The L2 norm of `vector`, accumulated in Double.
    public static func norm(_ vector: [Float]) -> Double {
        var sum = 0.0
        for x in vector { sum += Double(x) * Double(x) }
        return sum.squareRoot()
    }

    /// Scales `vector` by min(1, C/‖vector‖₂) (Abadi et al. 2016, Alg. 1, "clip gradient";
    /// McMahan et al. 2018, Alg. 1, per-client update clipping) and returns its norm before
    /// clipping. Afterwards ‖vector‖₂ ≤ C up to Float rounding (relative 1e-7): the factor is
    /// computed in Double and shrunk by one part in 10⁶ so rounding never lands above C.
    @discardableResult
    public static func clip(_ vector: inout [Float], maxNorm: Double) -> Double {
        precondition(maxNorm > 0, "clipping norm must be positive")
        let n = norm(vector)
        if n > maxNorm {
            let factor = Float(maxNorm / n * (1 - 1e-6))
            for i in vector.indices { vector[i] *= factor }
        }
        return n
    }
}
