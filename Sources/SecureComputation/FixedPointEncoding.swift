/// Fixed-point encoding of real vectors into the ring Z_(2^64), where secret sharing and
/// pairwise masks work (Bonawitz et al. 2017, section 4: inputs are vectors over Z_R; we take R = 2^64
/// so that ring addition is the machine's wrapping addition).
///
/// A real x becomes round(x · 2^f) as a two's-complement 64-bit integer. Sums of encodings are
/// encodings of sums as long as no partial sum leaves (−2^63, 2^63): that is what the bound check
/// guarantees. With `maxSummands = n`, every encoded magnitude is at most ⌊(2^63 − 1)/n⌋, so the
/// sum of any n encodings (and every partial sum) stays in range and decodes exactly; a larger
/// input is refused with `SecureComputationError.fixedPointOverflow` instead of wrapping silently.
///
/// Rounding is to nearest, so each encoded value is off by at most 2^−(f+1); the decoded sum of n
/// values is off by at most n · 2^−(f+1) from the real sum, and equals the sum of the rounded
/// values exactly.
public struct FixedPointEncoding: Sendable, Hashable {
    /// f: the number of bits after the binary point.
    public let fractionalBits: Int
    /// n: how many encodings may be added without risk of wrapping.
    public let maxSummands: Int

    /// - Parameters:
    ///   - fractionalBits: f in 0...52 (52 keeps every float32 step representable without
    ///     pretending to more precision than a double carries).
    ///   - maxSummands: the number of clients whose encodings will be added (≥ 1).
    /// - Throws: `SecureComputationError.invalidParameters` for f outside 0...52 or n < 1.
    public init(fractionalBits: Int, maxSummands: Int) throws {
        guard (0...52).contains(fractionalBits) else {
            throw SecureComputationError.invalidParameters("fractional bits must be in 0...52, got \(fractionalBits)")
        }
        guard maxSummands >= 1 else {
            throw SecureComputationError.invalidParameters("the number of summands must be at least 1, got \(maxSummands)")
        }
        self.fractionalBits = fractionalBits
        self.maxSummands = maxSummands
    }

    /// 2^f.
    @inlinable public var scale: Double { Double(sign: .plus, exponent: fractionalBits, significand: 1) }

    /// The largest encoded magnitude, ⌊(2^63 − 1)/n⌋.
    @inlinable public var maxEncodedMagnitude: Int64 { Int64.max / Int64(maxSummands) }

    /// The largest real magnitude accepted by `encode` (rounded down where the double nearest
    /// ⌊(2^63 − 1)/n⌋ lies above it, so that `encode(maxMagnitude)` always succeeds).
    @inlinable public var maxMagnitude: Double {
        var m = Double(maxEncodedMagnitude)
        if m >= 0x1p63 || Int64(m) > maxEncodedMagnitude { m = m.nextDown }
        return m / scale
    }

    /// Encodes one real value.
    /// - Throws: `nonFiniteValue` or `fixedPointOverflow` (`index` is the caller's position).
    @inlinable
    public func encode(_ value: Double, index: Int = 0) throws -> UInt64 {
        guard value.isFinite else { throw SecureComputationError.nonFiniteValue(index: index) }
        let scaled = (value * scale).rounded(.toNearestOrEven)
        // 2^63 is exactly representable; anything at or past it cannot be an Int64.
        guard abs(scaled) < 0x1p63, abs(Int64(scaled)) <= maxEncodedMagnitude else {
            throw SecureComputationError.fixedPointOverflow(
                index: index, value: value, bound: maxMagnitude, summands: maxSummands)
        }
        return UInt64(bitPattern: Int64(scaled))
    }

    /// Encodes a float32 vector (a model update).
    /// - Throws: `nonFiniteValue` or `fixedPointOverflow` naming the first offending index.
    public func encode(_ values: [Float]) throws -> [UInt64] {
        var out = [UInt64](repeating: 0, count: values.count)
        for i in values.indices { out[i] = try encode(Double(values[i]), index: i) }
        return out
    }

    /// Encodes a float64 vector.
    public func encode(_ values: [Double]) throws -> [UInt64] {
        var out = [UInt64](repeating: 0, count: values.count)
        for i in values.indices { out[i] = try encode(values[i], index: i) }
        return out
    }

    /// Decodes one ring element as a signed fixed-point number.
    @inlinable
    public func decode(_ element: UInt64) -> Double {
        Double(Int64(bitPattern: element)) / scale
    }

    /// Decodes a vector (for example the reconstructed sum) to doubles.
    public func decode(_ elements: [UInt64]) -> [Double] { elements.map { decode($0) } }

    /// Decodes a vector to float32, the pipeline's parameter type.
    public func decodeFloat(_ elements: [UInt64]) -> [Float] { elements.map { Float(decode($0)) } }
}
