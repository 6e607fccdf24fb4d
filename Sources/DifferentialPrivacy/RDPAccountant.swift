import Foundation

/// Rényi-DP accountant for histories of Poisson-subsampled Gaussian releases.
///
/// RDP composes additively (Mironov 2017, Prop. 1): the history's RDP at order α is the sum over
/// entries of steps × ε₁(α; q, σ) (`SubsampledGaussianRDP`). The conversion to (ε, δ) is the
/// tight one of Balle, Barthe, Gaboardi, Hsu, Sato 2020 ("Hypothesis testing interpretations
/// and Rényi DP", Theorem 21), minimised over the orders:
///
///     ε = min_α  RDP(α) + log((α − 1)/α) − (log δ + log α)/(α − 1),
///
/// with the two guards of Google's dp-accounting: orders ≤ 1.01 are not used (the bound is
/// numerically unstable there), and when δ² > 1 − e^{−RDP(α)} the pair is already
/// (0, δ)-indistinguishable by Pinsker-type reasoning (δ ≤ √(1 − e^{−KL}), KL ≤ RDP(α)).
public struct RDPAccountant: Sendable {
    public static let name = "rdp"
    /// Recorded with every ε: the method, the conversion and the order grid.
    public static let version = "privfed-rdp-1 (Mironov-Talwar-Zhang 2019 log A_alpha; Balle et al. 2020 Thm 21; orders 1.1..10.9, 11..63, 128..1024)"

    /// Opacus's default orders (1.1, 1.2, …, 10.9 and 12 … 63) together with dp-accounting's
    /// additions (11, 128, 256, 512, 1024), which help for very small or very large ε.
    public static let defaultOrders: [Double] = {
        let fractional: [Double] = (1..<100).map { 1 + Double($0) / 10 }
        let integer: [Double] = (11..<64).map { Double($0) }
        return fractional + integer + [128, 256, 512, 1024]
    }()

    public let orders: [Double]

    public init(orders: [Double] = RDPAccountant.defaultOrders) {
        precondition(!orders.isEmpty && orders.allSatisfy { $0 > 1 }, "RDP orders must exceed 1")
        self.orders = orders
    }

    /// RDP of the whole history at each of `orders`.
    public func rdp(of history: [SubsampledGaussianSteps]) -> [Double] {
        var total = [Double](repeating: 0, count: orders.count)
        for entry in history where entry.steps > 0 {
            for (k, alpha) in orders.enumerated() {
                let perStep = SubsampledGaussianRDP.rdp(
                    samplingRate: entry.samplingRate, noiseMultiplier: entry.noiseMultiplier, order: alpha)
                total[k] += Double(entry.steps) * perStep
            }
        }
        return total
    }

    /// Converts RDP values to ε at `delta` (Balle et al. 2020, Thm 21), returning the best order.
    public static func epsilon(orders: [Double], rdp: [Double], delta: Double) -> (epsilon: Double, order: Double) {
        precondition(orders.count == rdp.count)
        precondition(delta > 0 && delta < 1)
        var best = (epsilon: Double.infinity, order: orders[0])
        for (alpha, r) in zip(orders, rdp) {
            let candidate: Double
            if r <= 0 || delta * delta + expm1(-r) > 0 {
                candidate = 0
            } else if alpha > 1.01, r.isFinite {
                candidate = r + log1p(-1 / alpha) - log(delta * alpha) / (alpha - 1)
            } else {
                candidate = .infinity
            }
            if candidate < best.epsilon { best = (candidate, alpha) }
        }
        return (max(0, best.epsilon), best.order)
    }

    /// ε of `history` at `delta`, with the order that achieved it.
    /// - Throws: `PrivacyAccountingError.deltaOutOfRange`.
    public func estimate(_ history: [SubsampledGaussianSteps], delta: Double) throws -> PrivacyEstimate {
        try PrivacyAccountingError.check(delta: delta)
        let (epsilon, order) = Self.epsilon(orders: orders, rdp: rdp(of: history), delta: delta)
        return PrivacyEstimate(epsilon: epsilon, delta: delta, accountant: .rdp, bestOrder: order, lowerBound: nil)
    }

    /// ε after `steps` releases at rate q with noise multiplier σ.
    public func estimate(samplingRate: Double, noiseMultiplier: Double, steps: Int, delta: Double) throws -> PrivacyEstimate {
        try estimate([SubsampledGaussianSteps(samplingRate: samplingRate, noiseMultiplier: noiseMultiplier, steps: steps)],
                     delta: delta)
    }
}
