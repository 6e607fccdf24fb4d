import Randomness

/// One holder's additive share of a vector over Z_(2^64): either a 32-byte seed that expands to
/// a pseudorandom vector, or an explicit vector.
public enum AdditiveShare: Sendable, Hashable {
    /// PRG(seed) truncated to `count` words (ChaCha20, `ChaCha20Keystream`).
    case seed([UInt8], count: Int)
    /// An explicit vector.
    case vector([UInt64])

    /// The vector length this share stands for.
    public var count: Int {
        switch self {
        case let .seed(_, count): return count
        case let .vector(v): return v.count
        }
    }


    /// The share as a vector.
    public func expanded() -> [UInt64] {
        switch self {
        case let .seed(key, count): return ChaCha20Keystream(key: key).words(count)
        case let .vector(v): return v
        }
    }

    /// `accumulator += share`, expanding a seed straight into the accumulator.
    public func add(into accumulator: inout [UInt64]) {
        precondition(accumulator.count == count, "share length differs from the accumulator's")
        switch self {
        case let .seed(key, _): ChaCha20Keystream(key: key).apply(.add, to: &accumulator)
        case let .vector(v): RingVector.add(v, into: &accumulator)
        }
    }
}

/// Additive n-of-n secret sharing over Z_(2^64): x = s_0 + … + s_(M−1) (mod 2^64).
///
/// Any M − 1 shares are uniform and independent of x (each is a one-time pad of the rest), so
/// only all M holders together learn x. To save bandwidth the first M − 1 shares are 32-byte
/// ChaCha20 seeds and only the last is a full vector, x − Σ PRG(seed_i) — the seed-compression of
/// SPDZ-style sharing; secrecy then rests on ChaCha20 being a PRG (computational, 256-bit keys).
public enum AdditiveSecretSharing {
    /// Splits `secret` among `holders` (≥ 2) parties: holders 0..<M−1 get fresh seeds, holder M−1
    /// gets the explicit correction vector.
    public static func share(_ secret: [UInt64], holders: Int, using generator: inout ChaCha20Generator) -> [AdditiveShare] {
        precondition(holders >= 2, "additive sharing needs at least two holders")
        var last = secret
        var shares: [AdditiveShare] = []
        for _ in 0..<(holders - 1) {
            let seed = generator.bytes(32)
            ChaCha20Keystream(key: seed).apply(.subtract, to: &last)
            shares.append(.seed(seed, count: secret.count))
        }
        shares.append(.vector(last))
        return shares
    }

    /// Splits `secret` into `holders` explicit uniform vectors (no seeds); used where a share must
    /// be a vector, e.g. for Beaver-triple arithmetic.
    public static func shareExplicitly(_ secret: [UInt64], holders: Int, using generator: inout ChaCha20Generator) -> [[UInt64]] {
        precondition(holders >= 2, "additive sharing needs at least two holders")
        var last = secret
        var shares: [[UInt64]] = []
        for _ in 0..<(holders - 1) {
            var share = [UInt64](repeating: 0, count: secret.count)
            share.withUnsafeMutableBytes { generator.fill($0) }
            RingVector.subtract(share, from: &last)
            shares.append(share)
        }
        shares.append(last)
        return shares
    }

    /// x = Σ shares.
    /// - Throws: `lengthMismatch` when the shares have different lengths.
    public static func reconstruct(_ shares: [AdditiveShare]) throws -> [UInt64] {
        guard let first = shares.first else { return [] }
        var total = [UInt64](repeating: 0, count: first.count)
        for share in shares {
            guard share.count == first.count else {
                throw SecureComputationError.lengthMismatch(expected: first.count, got: share.count)
            }
            share.add(into: &total)
        }
        return total
    }
}
