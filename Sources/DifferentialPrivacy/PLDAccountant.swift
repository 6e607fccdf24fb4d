import Foundation
import ParallelWork

/// The tight numerical accountant: privacy loss distributions (PLDs) composed exactly by FFT.
///
/// For each neighbour direction (`NeighbourDirection`), every history entry's one-step PLD is
/// discretised on a common grid of width h with the connect-the-dots method
/// (`DiscretePrivacyLoss`), the T-fold composition is the T-th power of its discrete Fourier
/// transform (Koskela, Jälkö, Honkela 2020, "Computing tight differential privacy guarantees
/// using FFT"), entries multiply, and one inverse FFT gives the composed PLD. ε at δ is then read
/// off the hockey-stick divergence δ(ε) = Σ_ℓ m_ℓ (1 − e^{ε−ℓ})₊ + m_∞ (Sommer, Meiser, Mohammadi
/// 2019). The larger of the two directions' ε is reported.
///
/// Bounds, both rigorous up to floating-point rounding:
/// - upper (`epsilon`): the discretised pair dominates the true one, so its δ(ε) is larger;
///   the FFT window is chosen with a Chernoff bound so that the composed mass that wraps around
///   is below `truncationMass` at each end, and 2·`truncationMass` is added to δ;
/// - lower (`lowerBound`): in a coupling of the true and discretised losses each step's
///   difference is bounded by h with a tiny non-negative mean; by Bernstein's inequality the
///   composed losses differ by more than `couplingShift` with probability < δ_e (δ_e = δ/1000).
///   So ε_true ≥ ε_discrete(δ + δ_e + failures) − that shift (the argument of Gopi, Lee,
///   Wutschitz 2021, "Numerical composition of differential privacy", Sec. 5, applied to this
///   coupling).
public struct PLDAccountant: Sendable {
    public static let name = "pld"
    public static let version = "privfed-pld-1 (connect-the-dots discretisation, FFT composition, add/remove max, Chernoff window)"

    /// The finest grid interval used (dp-accounting's default); a coarser one is chosen only when
    /// the composed distribution would not fit in `maximumGridSize` points.
    public let finestInterval: Double
    /// Largest FFT length; 2¹⁹ keeps the slowest evaluation near 0.2 s on two cores.
    public let maximumGridSize: Int
    /// Composed mass allowed outside the FFT window at each end.
    public let truncationMass: Double

    public init(finestInterval: Double = 1e-4, maximumGridSize: Int = 1 << 19, truncationMass: Double = 1e-15) {
        precondition(finestInterval > 0 && maximumGridSize >= 1024 && maximumGridSize & (maximumGridSize - 1) == 0)
        precondition(truncationMass > 0 && truncationMass < 1e-6)
        self.finestInterval = finestInterval
        self.maximumGridSize = maximumGridSize
        self.truncationMass = truncationMass
    }

    /// ε of `history` at `delta`, with a rigorous lower bound.
    /// - Throws: `PrivacyAccountingError.deltaOutOfRange`.
    public func estimate(_ history: [SubsampledGaussianSteps], delta: Double) throws -> PrivacyEstimate {
        try PrivacyAccountingError.check(delta: delta)
        let active = history.filter { $0.steps > 0 }
        guard !active.isEmpty else {
            return PrivacyEstimate(epsilon: 0, delta: delta, accountant: .pld, bestOrder: nil, lowerBound: 0)
        }
        // The two directions are independent: one per core.
        // With q = 1 throughout the mechanism is the Gaussian one, whose two directions have
        // the same privacy loss distribution N(μ²/2, μ²): compose one.
        let directions: [NeighbourDirection] = active.allSatisfy { $0.samplingRate == 1 }
            ? [.remove] : NeighbourDirection.allCases
        // Each iteration writes only its own slot.
        nonisolated(unsafe) let bounds = UnsafeMutableBufferPointer<(upper: Double, lower: Double)>.allocate(capacity: directions.count)
        defer { bounds.deallocate() }
        let totalSteps = Double(active.reduce(0) { $0 + $1.steps })
        WorkerPool.run(parts: directions.count) { d in
            let composed = compose(active, direction: directions[d])
            let upper = composed.epsilon(delta: delta - 2 * truncationMass)
            let deltaSlack = delta / 1000
            let shift = Self.couplingShift(interval: composed.interval, steps: totalSteps, failureProbability: deltaSlack)
            let failures = deltaSlack + 2 * truncationMass + composed.couplingFailureMass
            let lower = delta + failures < 1 ? composed.epsilon(delta: delta + failures) - shift : 0
            bounds[d] = (upper, lower)
        }
        let upper = bounds.map(\.upper).max()!, lower = bounds.map(\.lower).max()!
        return PrivacyEstimate(epsilon: upper, delta: delta, accountant: .pld, bestOrder: nil,
                               lowerBound: min(upper, max(0, lower)))
    }

    /// How far the composed true loss can lie below the composed discretised loss, except with
    /// probability `failureProbability`.
    ///
    /// Per step, in the coupling that splits each grid cell's mass between its ends, the
    /// difference D = Ỹ − Y has mean b ∈ [0, (e^h − 1)²/8] (the split preserves the mean of
    /// e^{−loss}, and −log is convex with curvature ≤ 1/z² on the cell), E[D²] ≤ h(h/2 + b)
    /// (from (Y − lo)² ≤ h(Y − lo) on the cell and θh = E[Y − lo] + b for the upper-end weight
    /// θ) and |D − b| ≤ h + b. Bernstein's inequality for the T independent steps gives
    /// P(Σ(D − b) ≥ η) ≤ exp(−η² / (2(V + Mη/3))), V = T·h(h/2 + b), M = h + b.
    static func couplingShift(interval h: Double, steps: Double, failureProbability: Double) -> Double {
        let bias = expm1(h) * expm1(h) / 8
        let variance = steps * h * (h / 2 + bias)
        let range = h + bias
        let l = log(1 / failureProbability)
        let eta = l * range / 3 + ((l * range / 3) * (l * range / 3) + 2 * l * variance).squareRoot()
        return steps * bias + eta
    }

    /// ε after `steps` releases at rate q with noise multiplier σ.
    public func estimate(samplingRate: Double, noiseMultiplier: Double, steps: Int, delta: Double) throws -> PrivacyEstimate {
        try estimate([SubsampledGaussianSteps(samplingRate: samplingRate, noiseMultiplier: noiseMultiplier, steps: steps)],
                     delta: delta)
    }

    /// Composes every entry's discretised PLD in one direction.
    ///
    /// The grid interval is the finest one whose composed window fits `maximumGridSize / 2`
    /// points (half, so that the power-of-two FFT length stays ≤ the maximum). The window's
    /// width in loss units barely depends on h, so it is first measured on a coarse grid (cheap)
    /// and the fine discretisation is done once; its own window is then computed exactly.
    func compose(_ history: [SubsampledGaussianSteps], direction: NeighbourDirection) -> ComposedPrivacyLoss {
        let counts = history.map { $0.steps }
        func discretise(_ h: Double) -> [DiscretePrivacyLoss] {
            history.map {
                DiscretePrivacyLoss(samplingRate: $0.samplingRate, noiseMultiplier: $0.noiseMultiplier,
                                    direction: direction, interval: h)
            }
        }
        let coarse = max(finestInterval, 1e-2)
        let probe = ChernoffWindow(losses: discretise(coarse), counts: counts, tailMass: truncationMass)
        let widthInLoss = Double(probe.highIndex - probe.lowIndex + 2) * coarse
        var h = max(finestInterval, widthInLoss / Double(maximumGridSize / 2))
        while true {
            let losses = discretise(h)
            let window = ChernoffWindow(losses: losses, counts: counts, tailMass: truncationMass)
            let width = window.highIndex - window.lowIndex + 1
            if width <= maximumGridSize {
                return ComposedPrivacyLoss(losses: losses, counts: counts, window: window,
                                           gridSize: max(1024, width.nextPowerOfTwo))
            }
            h *= 1.25 * Double(width) / Double(maximumGridSize)
        }
    }
}

extension Int {
    /// The smallest power of two ≥ self (self ≥ 1).
    var nextPowerOfTwo: Int {
        precondition(self >= 1)
        return self == 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount)
    }
}
