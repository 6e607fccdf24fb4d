/// `steps` consecutive releases of the Poisson-subsampled Gaussian mechanism with one sampling
/// rate and one noise multiplier: the unit both accountants compose.
public struct SubsampledGaussianSteps: Sendable, Hashable, Codable {
    /// q: each example (or client) is included independently with this probability.
    public let samplingRate: Double
    /// σ: noise standard deviation divided by the clipping norm C.
    public let noiseMultiplier: Double
    public let steps: Int

    /// - Throws: `PrivacyAccountingError` when q ∉ (0, 1], σ ≤ 0 or steps < 0.
    public init(samplingRate: Double, noiseMultiplier: Double, steps: Int) throws {
        try PrivacyAccountingError.check(samplingRate: samplingRate)
        try PrivacyAccountingError.check(noiseMultiplier: noiseMultiplier)
        guard steps >= 0 else { throw PrivacyAccountingError.negativeSteps(steps) }
        self.samplingRate = samplingRate
        self.noiseMultiplier = noiseMultiplier
        self.steps = steps
    }
}

/// Which accountant turns a history into (ε, δ).
public enum AccountantKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Rényi DP (Mironov, Talwar, Zhang 2019) with the conversion of Balle et al. 2020.
    case rdp
    /// Privacy loss distribution composed numerically (connect-the-dots discretisation, FFT
    /// composition): the tight accountant. Manifests and the CLI may call it `prv`, the name
    /// Opacus gives its tight accountant; the bound it computes is of the same kind.
    case pld

    /// Parses `rdp`, `pld` or `prv` (case-insensitive).
    public init(name: String) throws {
        switch name.lowercased() {
        case "rdp": self = .rdp
        case "pld", "prv": self = .pld
        default: throw PrivacyAccountingError.unknownAccountant(name)
        }
    }

    /// The accountant name to record next to every ε it produced.
    public var recordedName: String {
        switch self {
        case .rdp: RDPAccountant.name
        case .pld: PLDAccountant.name
        }
    }

    /// The accountant version to record; it changes whenever a number it returns could change.
    public var recordedVersion: String {
        switch self {
        case .rdp: RDPAccountant.version
        case .pld: PLDAccountant.version
        }
    }
}

/// What one accountant concluded about one history at one δ.
public struct PrivacyEstimate: Sendable, Hashable, Codable {
    /// An upper bound on the ε of the composed mechanism at `delta`.
    public let epsilon: Double
    public let delta: Double
    public let accountant: AccountantKind
    /// RDP only: the order α at which the conversion was tightest.
    public let bestOrder: Double?
    /// PLD only: a rigorous lower bound on the true ε; the true value lies in
    /// [lowerBound, epsilon].
    public let lowerBound: Double?

    /// PLD only: `epsilon − lowerBound`, how far the reported ε can be above the true one.
    public var errorBound: Double? { lowerBound.map { epsilon - $0 } }
}

/// The privacy history of one party (a client under example-level DP, the aggregator under
/// client-level DP): every release it made, in order, as Opacus's accountants keep it.
///
/// `epsilon(delta:accountant:)` is a pure function of this value, so a ledger that stores the
/// entries can recompute any ε it ever reported.
public struct PrivacySpend: Sendable, Hashable, Codable {
    public private(set) var entries: [SubsampledGaussianSteps]

    public init(entries: [SubsampledGaussianSteps] = []) {
        self.entries = entries
    }

    /// Total number of releases.
    public var totalSteps: Int { entries.reduce(0) { $0 + $1.steps } }

    /// Appends `steps` releases; merged into the last entry when q and σ are unchanged.
    public mutating func record(_ stretch: SubsampledGaussianSteps) {
        if let last = entries.last, last.samplingRate == stretch.samplingRate,
           last.noiseMultiplier == stretch.noiseMultiplier {
            entries[entries.count - 1] = try! SubsampledGaussianSteps(
                samplingRate: last.samplingRate, noiseMultiplier: last.noiseMultiplier,
                steps: last.steps + stretch.steps)
        } else {
            entries.append(stretch)
        }
    }

    /// Appends `steps` releases at rate q with noise multiplier σ.
    /// - Throws: `PrivacyAccountingError` for out-of-range parameters.
    public mutating func record(samplingRate: Double, noiseMultiplier: Double, steps: Int) throws {
        record(try SubsampledGaussianSteps(samplingRate: samplingRate, noiseMultiplier: noiseMultiplier, steps: steps))
    }

    /// The ε spent so far at `delta`, under `accountant` with its default settings.
    /// - Throws: `PrivacyAccountingError.deltaOutOfRange`.
    public func epsilon(delta: Double, accountant: AccountantKind) throws -> PrivacyEstimate {
        switch accountant {
        case .rdp: try RDPAccountant().estimate(entries, delta: delta)
        case .pld: try PLDAccountant().estimate(entries, delta: delta)
        }
    }
}
