import Randomness

/// Arithmetic in the prime field F_p with p = 2^61 − 1, the field of Shamir shares.
///
/// Why this prime: it is a Mersenne prime, so reduction of a 122-bit product is two shifts and an
/// add (x mod p = (x & p) + (x >> 61), folded once more), and every 7-byte chunk of a secret
/// (56 bits) is a field element, so a 32-byte seed or X25519 key splits into 5 elements.
public enum MersennePrimeField {
    /// p = 2^61 − 1.
    public static let modulus: UInt64 = (1 << 61) - 1

    @inlinable
    public static func reduce(_ x: UInt64) -> UInt64 {
        let r = (x & modulus) &+ (x >> 61)
        return r >= modulus ? r - modulus : r
    }

    @inlinable
    public static func add(_ a: UInt64, _ b: UInt64) -> UInt64 { reduce(a &+ b) }

    @inlinable
    public static func subtract(_ a: UInt64, _ b: UInt64) -> UInt64 { reduce(a &+ (modulus &- b)) }

    /// a·b mod p for a, b < p: the 122-bit product is high·2^64 + low = high·8·2^61 + low.
    @inlinable
    public static func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        // product = (high << 3 | low >> 61) · 2^61 + (low & p) ≡ (high << 3 | low >> 61) + (low & p)
        return reduce((high << 3 | low >> 61) &+ (low & modulus))
    }

    /// a^e mod p by square and multiply.
    public static func power(_ a: UInt64, _ e: UInt64) -> UInt64 {
        var result: UInt64 = 1, base = a, e = e
        while e > 0 {
            if e & 1 == 1 { result = multiply(result, base) }
            base = multiply(base, base)
            e >>= 1
        }
        return result
    }

    /// a^(−1) = a^(p−2) (Fermat); a must be nonzero.
    public static func inverse(_ a: UInt64) -> UInt64 {
        precondition(a % modulus != 0, "zero has no inverse")
        return power(a, modulus - 2)
    }

    /// A uniform field element (rejection sampling on 61-bit draws: acceptance 1 − 2^−61).
    @inlinable
    public static func random(using generator: inout ChaCha20Generator) -> UInt64 {
        while true {
            let x = generator.next() >> 3
            if x < modulus { return x }
        }
    }

    /// Splits bytes into field elements of 7 little-endian bytes each (the last may be shorter).
    public static func elements(fromBytes bytes: [UInt8]) -> [UInt64] {
        stride(from: 0, to: bytes.count, by: 7).map { start in
            var value: UInt64 = 0
            for (i, b) in bytes[start..<min(start + 7, bytes.count)].enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
            return value
        }
    }

    /// The inverse of `elements(fromBytes:)` for a secret of `count` bytes.
    /// - Throws: `malformedMessage` when an element does not fit its 7-byte chunk (a wrong reconstruction).
    public static func bytes(fromElements elements: [UInt64], count: Int) throws -> [UInt8] {
        guard elements.count == (count + 6) / 7 else {
            throw SecureComputationError.malformedMessage("expected \((count + 6) / 7) field elements, got \(elements.count)")
        }
        var out = [UInt8]()
        out.reserveCapacity(count)
        for (index, element) in elements.enumerated() {
            let width = min(7, count - 7 * index)
            guard element >> (8 * UInt64(width)) == 0 else {
                throw SecureComputationError.malformedMessage("field element \(index) does not fit in \(width) bytes")
            }
            for i in 0..<width { out.append(UInt8(truncatingIfNeeded: element >> (8 * UInt64(i)))) }
        }
        return out
    }
}
