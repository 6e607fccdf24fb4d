import Foundation

/// Which ordered pair of neighbouring output distributions a privacy loss distribution describes.
///
/// Under add/remove-one neighbours, one step of the Poisson-subsampled Gaussian mechanism is
/// dominated by the pair μ = (1 − q)·N(0, σ²) + q·N(1, σ²) against μ₀ = N(0, σ²) in one of the two
/// orders (Zhu, Dong, Wang 2022, "Optimal accounting of differential privacy via characteristic
/// function", Prop. 30). Both are composed and the larger ε is reported, as dp-accounting does.
enum NeighbourDirection: CaseIterable, Sendable {
    /// P = μ (the example is present), Q = μ₀: the loss log(μ/μ₀)(x) increases with x and is
    /// bounded below by log(1 − q).
    case remove
    /// P = μ₀, Q = μ: the loss decreases with x and is bounded above by −log(1 − q).
    case add
}

/// A privacy loss distribution on the grid {i·h}: P-mass `masses[j]` at loss (firstIndex + j)·h,
/// plus `infinityMass` at loss +∞ (outcomes only P can produce).
///
/// Built with the "connect-the-dots" discretisation of Doroshenko, Ghazi, Kamath, Kumar,
/// Manurangsi 2022 ("Connect the Dots: Tighter Discrete Approximations of Privacy Loss
/// Distributions", PETS 2022, Sec. 3): the outcomes whose loss lies in a grid cell (ε_k, ε_k+1]
/// are split between the two ends so that both their P-mass and their Q-mass are preserved.
/// The discrete pair dominates the continuous one (its hockey-stick curve δ(ε) is the chord
/// interpolation of the true, convex-in-e^ε curve), so every ε computed from it, after any number
/// of compositions, is an upper bound; and because the split nearly preserves the mean loss
/// (bias ≤ (e^h − 1)²/8 per step), the bound stays tight over 10⁵ compositions, unlike rounding
/// every loss up.
struct DiscretePrivacyLoss: Sendable {
    let interval: Double
    let firstIndex: Int
    let masses: [Double]
    let infinityMass: Double
    /// P-mass below the lowest grid point, moved up onto it (a pessimistic move); kept to bound
    /// the coupling failure in the lower estimate.
    let foldedLowerTailMass: Double

    var lastIndex: Int { firstIndex + masses.count - 1 }

    /// Standard deviations of the Gaussian at which the distributions are truncated: tails
    /// beyond carry less than 1e-23 of P-mass and go to +∞ (upper) or to the lowest grid point.
    static let truncationDeviations = 10.0

    /// The discretised PLD of one step of the Poisson-subsampled Gaussian mechanism.
    init(samplingRate q: Double, noiseMultiplier sigma: Double, direction: NeighbourDirection, interval h: Double) {
        precondition(q > 0 && q <= 1 && sigma > 0 && h > 0)
        let model = SubsampledGaussianLoss(q: q, sigma: sigma, direction: direction)
        let (lowLoss, highLoss) = model.lossRange(truncatedAt: Self.truncationDeviations)
        let first = Int((lowLoss / h).rounded(.down))
        let last = max(first + 1, Int((highLoss / h).rounded(.up)))
        var masses = [Double](repeating: 0, count: last - first + 1)
        let shrink = -expm1(-h)  // 1 − e^{−h}
        var (survivalP, survivalQ) = model.survival(aboveLoss: Double(first) * h)
        let lowerTail = max(0, 1 - survivalP)
        masses[0] = lowerTail
        for k in 0..<(last - first) {
            let lo = Double(first + k) * h
            let (nextP, nextQ) = model.survival(aboveLoss: lo + h)
            let cellP = max(0, survivalP - nextP), cellQ = max(0, survivalQ - nextQ)
            // P-mass sent to the upper end so that Q-mass is preserved: the Q-mass of a point
            // at loss ℓ carrying P-mass m is m·e^{−ℓ}.
            let excess = cellP - exp(lo + log(cellQ))
            let up = cellP > 0 ? min(cellP, max(0, excess / shrink)) : 0
            masses[k] += cellP - up
            masses[k + 1] += up
            survivalP = nextP
            survivalQ = nextQ
        }
        self.interval = h
        self.firstIndex = first
        self.masses = masses
        self.infinityMass = survivalP
        self.foldedLowerTailMass = lowerTail
    }
}

/// The continuous privacy loss of one Poisson-subsampled Gaussian step in one direction.
///
/// The loss is monotone in the output x, so "loss > ℓ" is a half-line in x and its masses under P
/// and Q are normal tail probabilities (computed with erfc on the side where they are small).
struct SubsampledGaussianLoss: Sendable {
    let q: Double
    let sigma: Double
    let direction: NeighbourDirection

    /// log(1 − q + q·e^{(2x−1)/(2σ²)}) without overflow: log(μ(x)/μ₀(x)).
    func mixtureLogRatio(at x: Double) -> Double {
        let exponent = (2 * x - 1) / (2 * sigma * sigma)
        if q == 1 { return exponent }
        if exponent > 30 { return exponent + log(q) + log1p((1 - q) / q * exp(-exponent)) }
        return log1p(q * expm1(exponent))
    }

    /// The x at which log(μ/μ₀) equals r (for r above log(1 − q)).
    func pointWhereMixtureLogRatio(is r: Double) -> Double {
        if q == 1 { return sigma * sigma * r + 0.5 }
        let y: Double  // log((e^r − 1 + q)/q)
        if r > 30 { y = r - log(q) + log1p((q - 1) * exp(-r)) } else { y = log1p(expm1(r) / q) }
        return sigma * sigma * y + 0.5
    }

    /// Losses below `low` or above `high` carry P-mass under ~Φ̄(`deviations`).
    func lossRange(truncatedAt deviations: Double) -> (low: Double, high: Double) {
        switch direction {
        case .remove:
            let high = mixtureLogRatio(at: 1 + deviations * sigma)
            let low = q < 1 ? log1p(-q) : mixtureLogRatio(at: 1 - deviations * sigma)
            return (low, high)
        case .add:
            let high = q < 1 ? -log1p(-q) : -mixtureLogRatio(at: -deviations * sigma)
            let low = -mixtureLogRatio(at: deviations * sigma)
            return (low, high)
        }
    }

    /// (P(L > ℓ), Q(L > ℓ)).
    func survival(aboveLoss l: Double) -> (p: Double, q: Double) {
        let s = sigma
        switch direction {
        case .remove:
            // L > ℓ ⟺ x > x(ℓ); P = (1 − q)N(0,σ²) + qN(1,σ²), Q = N(0,σ²).
            if q < 1, l <= log1p(-q) { return (1, 1) }
            let x = pointWhereMixtureLogRatio(is: l)
            let tail0 = SpecialFunctions.normalSurvival(x / s)
            let tail1 = SpecialFunctions.normalSurvival((x - 1) / s)
            return ((1 - q) * tail0 + q * tail1, tail0)
        case .add:
            // L = −log(μ/μ₀)(x) > ℓ ⟺ x < x(−ℓ); P = N(0,σ²), Q = μ.
            if q < 1, l >= -log1p(-q) { return (0, 0) }
            let x = pointWhereMixtureLogRatio(is: -l)
            let head0 = SpecialFunctions.normalCDF(x / s)
            let head1 = SpecialFunctions.normalCDF((x - 1) / s)
            return (head0, (1 - q) * head0 + q * head1)
        }
    }
}
