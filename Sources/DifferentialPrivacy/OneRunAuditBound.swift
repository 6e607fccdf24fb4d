import Foundation

/// The lower bound on ε of the one-run privacy audit: Steinke, Nasr, Jagielski, "Privacy Auditing
/// with One (1) Training Run", NeurIPS 2023 (arXiv 2305.08846), Theorem 3 and its δ > 0 form.
///
/// The game: m canaries are each included in the training data independently with probability ½
/// (the mask S ∈ {−1, +1}^m); after training the auditor guesses r of the inclusions (T ∈ {−1, 0, +1}^m,
/// abstaining on the others) and counts W correct guesses. If the training algorithm is (ε, δ)-DP
/// with respect to adding or removing one canary, then for every v
///
///     P[W ≥ v] ≤ f(v) + 2mδ · max_{i=1…m} (f(v − i) − f(v)) / i,   f(x) = P[Binomial(r, p) ≥ x],   p = e^ε / (e^ε + 1)
///
/// (Theorem 3 as stated in the paper; with δ = 0 the binomial dominates W: the guesses can do no
/// better than ε-randomised response). f(v − i) − f(v) = P[v − i ≤ Binomial < v], and for i ≥ v it is
/// 1 − f(v), so the ratio falls with i beyond v and the maximum is reached at some i ≤ v: the loop
/// below stops there, as the paper's own procedure in its Appendix D does. The tests check both the
/// literal max over all m and the Appendix D procedure evaluated with SciPy.
/// The bound holds however the guesses are chosen from the trained model, which is why the
/// abstentions are free: only the r answered guesses count. ε_LB at confidence 1 − α is the
/// largest ε whose p-value for the observed (r, v) is below α: a model with that many correct guesses
/// is evidence at level α that the algorithm is not (ε, δ)-DP for any smaller ε.
public enum OneRunAuditBound {
    /// The right-hand side above: an upper bound on P[W ≥ v] for an (ε, δ)-DP algorithm
    /// (the p-value of the observation under the hypothesis "(ε, δ)-DP"), capped at 1.
    /// - Parameters:
    ///   - canaries: m, the number of canaries each included with probability ½.
    ///   - guesses: r ≤ m, guesses made (abstentions excluded).
    ///   - correct: v ≤ r, correct guesses.
    ///   - epsilon: ε ≥ 0 of the hypothesis.
    ///   - delta: δ ∈ [0, 1] of the hypothesis.
    public static func pValue(canaries m: Int, guesses r: Int, correct v: Int, epsilon: Double, delta: Double) -> Double {
        precondition(0 <= v && v <= r && r <= m, "need 0 ≤ correct ≤ guesses ≤ canaries")
        precondition(epsilon >= 0 && delta >= 0 && delta <= 1, "need ε ≥ 0 and δ in [0, 1]")
        if v == 0 { return 1 }
        // p = e^ε/(e^ε+1) written so that large ε does not overflow.
        let p = 1 / (1 + exp(-epsilon))
        let pmf = BinomialDistribution(trials: r, success: p)
        var tail = 0.0
        for k in v...r { tail += pmf.probability(k) }
        var worst = 0.0, below = 0.0
        if delta > 0 {
            for i in 1...v {
                below += pmf.probability(v - i)
                worst = max(worst, below / Double(i))
            }
        }
        return min(1, tail + 2 * Double(m) * delta * worst)
    }

    /// ε_LB: the largest ε at which `pValue` stays below `significance` (α = 1 − confidence),
    /// found by bisection to 1e-9 (the p-value increases with ε). 0 when even ε = 0 cannot be
    /// rejected — the observation shows no privacy loss at that confidence.
    public static func epsilonLowerBound(canaries m: Int, guesses r: Int, correct v: Int, delta: Double,
                                         significance: Double) -> Double {
        precondition(significance > 0 && significance < 1, "significance must be in (0, 1)")
        func rejected(_ epsilon: Double) -> Bool {
            pValue(canaries: m, guesses: r, correct: v, epsilon: epsilon, delta: delta) < significance
        }
        guard rejected(0) else { return 0 }
        var low = 0.0, high = 1.0
        while rejected(high) {
            low = high
            high *= 2
            if high > 1024 { return low }   // a perfect record on very many guesses: ε is beyond any use
        }
        while high - low > 1e-9 {
            let mid = (low + high) / 2
            if rejected(mid) { low = mid } else { high = mid }
        }
        return low
    }
}

/// Binomial(n, p) probabilities through log-gamma, so that n in the thousands and probabilities far
/// below the smallest normal Double neither overflow nor underflow before the final `exp`.
struct BinomialDistribution {
    let trials: Int
    let logSuccess: Double
    let logFailure: Double
    let logFactorialN: Double

    init(trials: Int, success p: Double) {
        self.trials = trials
        logSuccess = log(p)
        logFailure = log1p(-p)
        logFactorialN = lgamma(Double(trials) + 1)
    }

    /// P[X = k].
    func probability(_ k: Int) -> Double {
        guard k >= 0 && k <= trials else { return 0 }
        let n = Double(trials), kk = Double(k)
        let logChoose = logFactorialN - lgamma(kk + 1) - lgamma(n - kk + 1)
        // 0 · log 0 is 0: the certain outcomes when p is 0 or 1.
        let successes = k == 0 ? 0 : kk * logSuccess
        let failures = k == trials ? 0 : (n - kk) * logFailure
        return exp(logChoose + successes + failures)
    }
}
