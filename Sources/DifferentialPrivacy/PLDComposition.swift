import Foundation

/// Index range [lowIndex, highIndex] (grid units) outside which the composed loss has P-mass
/// below `tailMass` at each end, by the Chernoff bound P(S ≥ a) ≤ E[e^{tS}]·e^{−ta}, t > 0
/// (and its mirror for the lower tail), minimised over a log-spaced set of t.
///
/// The moment generating function of a PLD on the grid is a polynomial in e^{±th}, evaluated by
/// Horner's rule scaled by its largest term: no exponential per grid point, no overflow.
struct ChernoffWindow: Sendable {
    let lowIndex: Int
    let highIndex: Int

    /// Chernoff parameters t (per unit of loss), log-spaced over 10⁻² … 10⁴ (five per decade:
    /// the optimum is flat, a finer grid narrows the window by a few percent at most).
    static let parameters: [Double] = (0...30).map { pow(10, -2 + Double($0) * 0.2) }

    init(losses: [DiscretePrivacyLoss], counts: [Int], tailMass: Double) {
        let h = losses[0].interval
        var upperLogMGF = [Double](repeating: 0, count: Self.parameters.count)
        var lowerLogMGF = [Double](repeating: 0, count: Self.parameters.count)
        var supportLow = 0, supportHigh = 0
        for (loss, count) in zip(losses, counts) {
            supportLow += count * loss.firstIndex
            supportHigh += count * loss.lastIndex
            for (k, t) in Self.parameters.enumerated() {
                upperLogMGF[k] += Double(count) * Self.logMoment(loss, t)
                lowerLogMGF[k] += Double(count) * Self.logMoment(loss, -t)
            }
        }
        let logTail = log(tailMass)
        var high = Double.infinity, low = -Double.infinity
        for (k, t) in Self.parameters.enumerated() {
            let upper = (upperLogMGF[k] - logTail) / t, lower = (logTail - lowerLogMGF[k]) / t
            if upper.isFinite { high = min(high, upper) }
            if lower.isFinite { low = max(low, lower) }
        }
        // Clamp in Double before converting: the support bounds are always finite.
        highIndex = Int(min(Double(supportHigh), (high / h).rounded(.up)))
        lowIndex = Int(max(Double(supportLow), min(Double(highIndex), (low / h).rounded(.down))))
    }

    /// log Σ_j m_j e^{t ℓ_j} over the finite masses, ℓ_j = (firstIndex + j)·h.
    ///
    /// The sum is scaled by the term at the extreme non-zero mass in the direction of t, so the
    /// scaled sum is ≥ that mass and never underflows to zero.
    static func logMoment(_ loss: DiscretePrivacyLoss, _ t: Double) -> Double {
        let masses = loss.masses
        guard let first = masses.firstIndex(where: { $0 > 0 }), let last = masses.lastIndex(where: { $0 > 0 }) else {
            return -.infinity
        }
        let h = loss.interval
        let ratio = exp(-abs(t) * h)
        var sum = 0.0
        if t > 0 {
            // Σ m_j ρ^{last−j}, scaled by e^{tℓ_last}.
            for j in first...last { sum = sum * ratio + masses[j] }
            return t * Double(loss.firstIndex + last) * h + log(sum)
        } else {
            // Σ m_j ρ^{j−first}, scaled by e^{tℓ_first}.
            for j in stride(from: last, through: first, by: -1) { sum = sum * ratio + masses[j] }
            return t * Double(loss.firstIndex + first) * h + log(sum)
        }
    }
}

/// The composition of several discretised PLDs, each taken `count` times, on a window of the
/// grid: `masses[k]` is the P-mass at loss (lowIndex + k)·h.
struct ComposedPrivacyLoss: Sendable {
    let interval: Double
    let lowIndex: Int
    let masses: [Double]
    let infinityMass: Double
    /// Probability that some step's true loss fell in a truncated tail (where the coupling of
    /// true and discretised loss is not within one grid cell).
    let couplingFailureMass: Double

    /// - Parameters:
    ///   - gridSize: FFT length, a power of two ≥ the window's width.
    init(losses: [DiscretePrivacyLoss], counts: [Int], window: ChernoffWindow, gridSize n: Int) {
        let h = losses[0].interval
        let fft = FFT(size: n)
        var accReal = [Double](repeating: 1, count: n), accImag = [Double](repeating: 0, count: n)
        var base = 0
        var logNoInfinity = 0.0, failure = 0.0
        for (loss, count) in zip(losses, counts) {
            base += count * loss.firstIndex
            logNoInfinity += Double(count) * log1p(-loss.infinityMass)
            failure += Double(count) * (loss.infinityMass + loss.foldedLowerTailMass)
            var re = [Double](repeating: 0, count: n), im = [Double](repeating: 0, count: n)
            for (j, m) in loss.masses.enumerated() { re[j & (n - 1)] += m }  // fold: circular
            fft.forward(real: &re, imaginary: &im)
            let power = Double(count)
            for k in 0..<n {
                // z^T through polar form: |z|^T e^{iTθ}.
                let r = (re[k] * re[k] + im[k] * im[k]).squareRoot()
                var pr = 0.0, pi = 0.0
                if count == 1 {
                    pr = re[k]
                    pi = im[k]
                } else if r > 0 {
                    // Coefficients whose T-th power underflows stay zero without the
                    // transcendental calls (for large T that is most of them).
                    let logMagnitude = power * log(r)
                    if logMagnitude > -745 {
                        let magnitude = exp(logMagnitude)
                        let angle = power * atan2(im[k], re[k])
                        pr = magnitude * cos(angle)
                        pi = magnitude * sin(angle)
                    }
                }
                let ar = accReal[k], ai = accImag[k]
                accReal[k] = ar * pr - ai * pi
                accImag[k] = ar * pi + ai * pr
            }
        }
        fft.inverse(real: &accReal, imaginary: &accImag)
        // Position p holds the composed mass at every index s ≡ base + p (mod n); the window
        // picks the representative s ∈ [lowIndex, lowIndex + n).
        let offset = ((window.lowIndex - base) % n + n) % n
        var masses = [Double](repeating: 0, count: n)
        for k in 0..<n { masses[k] = max(0, accReal[(offset + k) & (n - 1)]) }
        self.interval = h
        self.lowIndex = window.lowIndex
        self.masses = masses
        self.infinityMass = -expm1(logNoInfinity)
        self.couplingFailureMass = failure
    }

    /// The smallest ε ≥ 0 with δ(ε) = Σ_ℓ m_ℓ(1 − e^{ε−ℓ})₊ + m_∞ ≤ `delta`; +∞ if none.
    ///
    /// Scans down from the top of the window keeping A = m_∞ + Σ_{ℓ>ε} m_ℓ and
    /// B = Σ_{ℓ>ε} m_ℓ e^{ε−ℓ} at grid points; between grid points δ(ε) = A − e^{ε−ℓ_k}B is
    /// solved exactly.
    func epsilon(delta: Double) -> Double {
        if infinityMass >= delta { return .infinity }
        let h = interval
        let decay = exp(-h)
        var a = infinityMass, b = 0.0
        var k = masses.count - 1
        while k > 0 {
            let loss = Double(lowIndex + k - 1) * h  // the grid point just below masses[k]
            a += masses[k]
            b = (b + masses[k]) * decay
            if a - b > delta {
                let epsilon = b > 0 ? loss + log((a - delta) / b) : Double(lowIndex + k) * h
                return max(0, epsilon)
            }
            if loss <= 0 { return 0 }
            k -= 1
        }
        return max(0, Double(lowIndex) * h)
    }
}
