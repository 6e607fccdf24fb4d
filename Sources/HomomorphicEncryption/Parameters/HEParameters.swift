/// The homomorphic encryption schemes privfed implements.
public enum HEScheme: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Approximate arithmetic on real numbers (Cheon, Kim, Kim, Song 2017; full-RNS variant
    /// of Cheon, Han, Kim, Kim, Song 2018).
    case ckks
    /// Exact arithmetic modulo a plaintext prime t (Fan & Vercauteren 2012).
    case bfv

    public var description: String { rawValue.uppercased() }
}

/// Errors a caller can cause by choosing parameters.
public enum HEParameterError: Error, Sendable, Equatable, CustomStringConvertible {
    case unsupportedRingDegree(Int)
    case insecure(ringDegree: Int, logQ: Int, bound: Int)
    case invalidModulusBits([Int])
    case invalidScale(Double)
    case invalidPlaintextModulusBits(Int)

    public var description: String {
        switch self {
        case .unsupportedRingDegree(let n):
            return "ring degree N = \(n) is not supported; use one of \(SecurityStandard.supportedRingDegrees.map(String.init).joined(separator: ", "))"
        case .insecure(let n, let logQ, let bound):
            return "parameters below 128-bit security: N = \(n) allows log2 Q ≤ \(bound) bits for a ternary secret "
                + "(HomomorphicEncryption.org standard, Table 1), but the modulus chain has \(logQ) bits"
        case .invalidModulusBits(let bits):
            return "invalid modulus chain \(bits): each prime must have 20...60 bits and the chain at least one prime"
        case .invalidScale(let scale):
            return "invalid CKKS scale \(scale): it must be finite and ≥ 2"
        case .invalidPlaintextModulusBits(let bits):
            return "invalid BFV plaintext modulus size \(bits) bits: use 17...60 bits"
        }
    }
}

/// The 128-bit classical security bounds of the HomomorphicEncryption.org standard
/// (Albrecht et al. 2018, "Homomorphic Encryption Security Standard", Table 1, uniform
/// ternary secret): the largest log2 Q, special primes included, for each ring degree.
public enum SecurityStandard {
    public static let maximumLogQ: [Int: Int] = [1024: 27, 2048: 54, 4096: 109, 8192: 218, 16384: 438, 32768: 881]
    public static var supportedRingDegrees: [Int] { maximumLogQ.keys.sorted() }
}

/// One literal, validated description of a parameter set; everything else (primes, NTT
/// tables, RNS constants) derives from it in `HEContext`.
public struct HEParameters: Sendable, Hashable, CustomStringConvertible {
    public let scheme: HEScheme
    /// N, the ring degree: plaintexts and ciphertexts live in Z_Q[X]/(X^N + 1).
    public let ringDegree: Int
    /// Bit sizes of the ciphertext primes q_0, …, q_L (q_0 first; CKKS rescales drop q_L first).
    public let coefficientModulusBits: [Int]
    /// Bit sizes of the special primes reserved for key switching. They are counted in the
    /// security check, as the standard requires, but no ciphertext carries them.
    public let specialModulusBits: [Int]
    /// CKKS: the default encoding scale Δ. Ignored by BFV.
    public let scale: Double
    /// BFV: the bit size of the plaintext prime t ≡ 1 (mod 2N). Zero for CKKS.
    public let plaintextModulusBits: Int
    /// True when the security check was waived (tests only).
    public let allowsInsecure: Bool

    /// - Parameters:
    ///   - allowInsecure: waive the 128-bit check; for tests of small rings only.
    /// - Throws: `HEParameterError` for unsupported or insecure choices; the insecure error states the bound.
    public init(scheme: HEScheme, ringDegree: Int, coefficientModulusBits: [Int], specialModulusBits: [Int] = [],
                scale: Double = 0x1p40, plaintextModulusBits: Int = 0, allowInsecure: Bool = false) throws {
        guard let bound = SecurityStandard.maximumLogQ[ringDegree] else {
            throw HEParameterError.unsupportedRingDegree(ringDegree)
        }
        let all = coefficientModulusBits + specialModulusBits
        guard !coefficientModulusBits.isEmpty, all.allSatisfy({ (20...60).contains($0) }) else {
            throw HEParameterError.invalidModulusBits(all)
        }
        let logQ = all.reduce(0, +)
        if logQ > bound && !allowInsecure {
            throw HEParameterError.insecure(ringDegree: ringDegree, logQ: logQ, bound: bound)
        }
        if scheme == .ckks {
            guard scale.isFinite, scale >= 2 else { throw HEParameterError.invalidScale(scale) }
        } else {
            guard (17...60).contains(plaintextModulusBits) else {
                throw HEParameterError.invalidPlaintextModulusBits(plaintextModulusBits)
            }
        }
        self.scheme = scheme
        self.ringDegree = ringDegree
        self.coefficientModulusBits = coefficientModulusBits
        self.specialModulusBits = specialModulusBits
        self.scale = scheme == .ckks ? scale : 0
        self.plaintextModulusBits = scheme == .bfv ? plaintextModulusBits : 0
        self.allowsInsecure = allowInsecure
    }

    /// The standard parameter set of `scheme` at ring degree N ∈ {4096, 8192, 16384, 32768}.
    ///
    /// CKKS: q_0 of 60 bits (room for the decoded value above the scale), rescaling primes near
    /// the scale, one 60-bit special prime. N = 8192 is SEAL's and TenSEAL's [60, 40, 40, 60] with
    /// Δ = 2^40. N = 4096 spends its whole 109-bit budget on ciphertext primes [60, 49] (no key
    /// switching is implemented, so a special prime would only cost precision). BFV: 60-bit ciphertext primes filling the bound, a 40-bit plaintext prime.
    /// - Throws: `HEParameterError.unsupportedRingDegree` for other N.
    public static func standard(scheme: HEScheme, ringDegree: Int) throws -> HEParameters {
        switch (scheme, ringDegree) {
        case (.ckks, 4096):
            return try HEParameters(scheme: .ckks, ringDegree: 4096, coefficientModulusBits: [60, 49], scale: 0x1p40)
        case (.ckks, 8192):
            return try HEParameters(scheme: .ckks, ringDegree: 8192, coefficientModulusBits: [60, 40, 40], specialModulusBits: [60], scale: 0x1p40)
        case (.ckks, 16384):
            return try HEParameters(scheme: .ckks, ringDegree: 16384, coefficientModulusBits: [60] + Array(repeating: 50, count: 6), specialModulusBits: [60], scale: 0x1p50)
        case (.ckks, 32768):
            return try HEParameters(scheme: .ckks, ringDegree: 32768, coefficientModulusBits: [60] + Array(repeating: 50, count: 15), specialModulusBits: [60], scale: 0x1p50)
        case (.bfv, 4096):
            return try HEParameters(scheme: .bfv, ringDegree: 4096, coefficientModulusBits: [55, 54], plaintextModulusBits: 30)
        case (.bfv, 8192):
            return try HEParameters(scheme: .bfv, ringDegree: 8192, coefficientModulusBits: [60, 60, 60], specialModulusBits: [38], plaintextModulusBits: 40)
        case (.bfv, 16384):
            return try HEParameters(scheme: .bfv, ringDegree: 16384, coefficientModulusBits: Array(repeating: 60, count: 7), plaintextModulusBits: 40)
        case (.bfv, 32768):
            return try HEParameters(scheme: .bfv, ringDegree: 32768, coefficientModulusBits: Array(repeating: 60, count: 14), plaintextModulusBits: 40)
        default:
            throw HEParameterError.unsupportedRingDegree(ringDegree)
        }
    }

    /// log2 Q in bits as counted by the security standard (sum of prime sizes, special primes included).
    public var totalModulusBits: Int { (coefficientModulusBits + specialModulusBits).reduce(0, +) }

    /// Slots per ciphertext: N/2 complex (CKKS) or N integers mod t (BFV).
    public var slotCount: Int { scheme == .ckks ? ringDegree / 2 : ringDegree }

    public var description: String {
        let chain = coefficientModulusBits.map(String.init).joined(separator: ",")
        let special = specialModulusBits.map(String.init).joined(separator: ",")
        let extra = scheme == .ckks ? "scale=2^\(Int(scale.exponent))" : "t=\(plaintextModulusBits)b"
        return "\(scheme) N=\(ringDegree) q=[\(chain)] special=[\(special)] \(extra)"
    }
}
