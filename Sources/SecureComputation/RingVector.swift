/// Element-wise arithmetic on vectors over Z_(2^64) (wrapping machine arithmetic), the ring in
/// which additive shares, pairwise masks and fixed-point encodings live.
public enum RingVector {
    /// `accumulator[i] += addend[i]` (mod 2^64).
    @inlinable
    public static func add(_ addend: [UInt64], into accumulator: inout [UInt64]) {
        precondition(addend.count == accumulator.count, "ring vectors must have equal lengths")
        accumulator.withUnsafeMutableBufferPointer { acc in
            addend.withUnsafeBufferPointer { a in
                for i in 0..<acc.count { acc[i] &+= a[i] }
            }
        }
    }

    /// `accumulator[i] -= subtrahend[i]` (mod 2^64).
    @inlinable
    public static func subtract(_ subtrahend: [UInt64], from accumulator: inout [UInt64]) {
        precondition(subtrahend.count == accumulator.count, "ring vectors must have equal lengths")
        accumulator.withUnsafeMutableBufferPointer { acc in
            subtrahend.withUnsafeBufferPointer { a in
                for i in 0..<acc.count { acc[i] &-= a[i] }
            }
        }
    }

    /// The element-wise sum of equally long vectors.
    public static func sum(_ vectors: [[UInt64]], count: Int) -> [UInt64] {
        var total = [UInt64](repeating: 0, count: count)
        for v in vectors { add(v, into: &total) }
        return total
    }
}
