import Randomness

/// One holder's Shamir share of a vector of field elements: the evaluations f_j(x) of the
/// sharing polynomials at the holder's point x ≠ 0.
public struct ShamirShare: Sendable, Hashable {
    /// The evaluation point (privfed uses holder index + 1, never 0, which is where the secret sits).
    public let x: UInt64
    /// f_j(x) for each secret element j.
    public let values: [UInt64]

    public init(x: UInt64, values: [UInt64]) {
        self.x = x
        self.values = values
    }
}

/// Shamir's t-out-of-n secret sharing (Shamir 1979, "How to share a secret") over F_p, p = 2^61 − 1.
///
/// Each secret element s is the constant term of a polynomial f of degree t − 1 whose other
/// coefficients are uniform; holder i gets f(x_i). Any t shares determine f(0) = s by Lagrange
/// interpolation; any t − 1 shares are jointly uniform, independent of s (information-theoretic
/// secrecy), which the security tests check. Bonawitz et al. 2017 share the self-mask
/// seed and the masking secret key this way.
public struct ShamirSecretSharing: Sendable, Hashable {
    /// t: the number of shares needed to reconstruct.
    public let threshold: Int

    /// - Throws: `invalidParameters` if t < 1.
    public init(threshold: Int) throws {
        guard threshold >= 1 else {
            throw SecureComputationError.invalidParameters("a Shamir threshold must be at least 1, got \(threshold)")
        }
        self.threshold = threshold
    }

    /// Shares `secret` (field elements, each < p) among the holders at `points` (distinct, nonzero, < p).
    /// - Throws: `invalidParameters` if there are fewer points than the threshold.
    public func share(_ secret: [UInt64], at points: [UInt64], using generator: inout ChaCha20Generator) throws -> [ShamirShare] {
        guard points.count >= threshold else {
            throw SecureComputationError.invalidParameters(
                "\(points.count) holders cannot carry a \(threshold)-out-of-n sharing")
        }
        precondition(Set(points).count == points.count && points.allSatisfy { $0 != 0 && $0 < MersennePrimeField.modulus },
                     "Shamir points must be distinct, nonzero field elements")
        precondition(secret.allSatisfy { $0 < MersennePrimeField.modulus }, "secret elements must be reduced mod p")
        // coefficients[j] = [s_j, a_1, ..., a_{t-1}]
        let coefficients: [[UInt64]] = secret.map { s in
            [s] + (1..<threshold).map { _ in MersennePrimeField.random(using: &generator) }
        }
        return points.map { x in
            ShamirShare(x: x, values: coefficients.map { Self.evaluate($0, at: x) })
        }
    }

    /// Shares a byte string (a 32-byte seed or X25519 private key) split into 7-byte field elements.
    public func share(bytes: [UInt8], at points: [UInt64], using generator: inout ChaCha20Generator) throws -> [ShamirShare] {
        try share(MersennePrimeField.elements(fromBytes: bytes), at: points, using: &generator)
    }

    /// Horner evaluation of Σ c_k x^k.
    static func evaluate(_ coefficients: [UInt64], at x: UInt64) -> UInt64 {
        var acc: UInt64 = 0
        for c in coefficients.reversed() { acc = MersennePrimeField.add(MersennePrimeField.multiply(acc, x), c) }
        return acc
    }

    /// The Lagrange coefficients λ_i = Π_{j≠i} x_j / (x_j − x_i), so that f(0) = Σ λ_i f(x_i).
    public static func lagrangeCoefficientsAtZero(_ points: [UInt64]) -> [UInt64] {
        points.indices.map { i in
            var numerator: UInt64 = 1, denominator: UInt64 = 1
            for j in points.indices where j != i {
                numerator = MersennePrimeField.multiply(numerator, points[j])
                denominator = MersennePrimeField.multiply(denominator, MersennePrimeField.subtract(points[j], points[i]))
            }
            return MersennePrimeField.multiply(numerator, MersennePrimeField.inverse(denominator))
        }
    }

    /// Reconstructs the secret from any `threshold` of `shares` (the first t are used).
    /// - Throws: `invalidParameters` when fewer than t shares are given,
    ///   `malformedMessage` when shares disagree in length or repeat a point.
    public func reconstruct(_ shares: [ShamirShare]) throws -> [UInt64] {
        guard shares.count >= threshold else {
            throw SecureComputationError.invalidParameters(
                "reconstruction needs \(threshold) shares, got \(shares.count)")
        }
        let used = Array(shares.prefix(threshold))
        guard Set(used.map(\.x)).count == used.count else {
            throw SecureComputationError.malformedMessage("two Shamir shares have the same point")
        }
        let length = used[0].values.count
        guard used.allSatisfy({ $0.values.count == length }) else {
            throw SecureComputationError.malformedMessage("Shamir shares of different lengths")
        }
        let lambdas = Self.lagrangeCoefficientsAtZero(used.map(\.x))
        return (0..<length).map { j in
            var acc: UInt64 = 0
            for (share, lambda) in zip(used, lambdas) {
                acc = MersennePrimeField.add(acc, MersennePrimeField.multiply(share.values[j], lambda))
            }
            return acc
        }
    }

    /// Reconstructs a byte string of `count` bytes shared with `share(bytes:)`.
    public func reconstructBytes(_ shares: [ShamirShare], count: Int) throws -> [UInt8] {
        try MersennePrimeField.bytes(fromElements: reconstruct(shares), count: count)
    }
}
