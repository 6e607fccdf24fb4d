/// Errors a caller can cause when asking for a privacy guarantee: out-of-range parameters and
/// targets no noise level can meet.
public enum PrivacyAccountingError: Error, CustomStringConvertible, Equatable, Sendable {
    case samplingRateOutOfRange(Double)
    case noiseMultiplierNotPositive(Double)
    case negativeSteps(Int)
    case deltaOutOfRange(Double)
    case epsilonNotPositive(Double)
    case unknownAccountant(String)
    /// Calibration found no σ up to `largestTried` meeting the target.
    case targetUnreachable(epsilon: Double, delta: Double, largestTried: Double)

    public var description: String {
        switch self {
        case .samplingRateOutOfRange(let q):
            return "sampling rate must be in (0, 1], got \(q)"
        case .noiseMultiplierNotPositive(let s):
            return "noise multiplier must be a positive finite number, got \(s)"
        case .negativeSteps(let t):
            return "number of steps must be ≥ 0, got \(t)"
        case .deltaOutOfRange(let d):
            return "delta must be in (0, 1), got \(d)"
        case .epsilonNotPositive(let e):
            return "epsilon must be a positive finite number, got \(e)"
        case .unknownAccountant(let name):
            return "unknown accountant '\(name)'; expected one of: rdp, prv (alias pld)"
        case .targetUnreachable(let e, let d, let s):
            return "no noise multiplier up to \(s) reaches ε = \(e) at δ = \(d)"
        }
    }

    static func check(samplingRate q: Double) throws {
        guard q > 0, q <= 1 else { throw samplingRateOutOfRange(q) }
    }

    static func check(noiseMultiplier s: Double) throws {
        guard s > 0, s.isFinite else { throw noiseMultiplierNotPositive(s) }
    }

    static func check(delta d: Double) throws {
        guard d > 0, d < 1 else { throw deltaOutOfRange(d) }
    }

    static func check(epsilon e: Double) throws {
        guard e > 0, e.isFinite else { throw epsilonNotPositive(e) }
    }
}
