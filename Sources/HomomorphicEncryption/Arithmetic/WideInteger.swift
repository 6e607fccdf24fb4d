/// Minimal unsigned multi-word integers (little-endian 64-bit words) for the one-time
/// precomputation of RNS constants: products of moduli, ⌊Q / t⌋, residues of Q.
/// Not used on any hot path.
enum WideInteger {
    /// a · w.
    static func multiply(_ a: [UInt64], by w: UInt64) -> [UInt64] {
        var result = [UInt64](repeating: 0, count: a.count + 1)
        var carry: UInt64 = 0
        for i in 0..<a.count {
            let p = a[i].multipliedFullWidth(by: w)
            let (low, overflow) = p.low.addingReportingOverflow(carry)
            result[i] = low
            carry = p.high &+ (overflow ? 1 : 0)
        }
        result[a.count] = carry
        return trimmed(result)
    }

    /// The product of the words in `factors`.
    static func product(_ factors: [UInt64]) -> [UInt64] {
        factors.reduce([1]) { multiply($0, by: $1) }
    }

    /// (⌊a / d⌋, a mod d).
    static func divide(_ a: [UInt64], by d: UInt64) -> (quotient: [UInt64], remainder: UInt64) {
        var quotient = [UInt64](repeating: 0, count: a.count)
        var remainder: UInt64 = 0
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            let (q, r) = d.dividingFullWidth((remainder, a[i]))
            quotient[i] = q
            remainder = r
        }
        return (trimmed(quotient), remainder)
    }

    /// a mod m for a prime modulus m.
    static func residue(_ a: [UInt64], modulo m: Modulus) -> UInt64 {
        var r: UInt64 = 0
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            r = m.reduce(wideHigh: r, low: a[i])
        }
        return r
    }

    /// The number of significant bits.
    static func bitWidth(_ a: [UInt64]) -> Int {
        let t = trimmed(a)
        guard let top = t.last, top != 0 else { return 0 }
        return 64 * (t.count - 1) + 64 - top.leadingZeroBitCount
    }

    /// The value as a Double (rounded).
    static func toDouble(_ a: [UInt64]) -> Double {
        var result = 0.0
        for word in a.reversed() { result = result * 0x1p64 + Double(word) }
        return result
    }

    private static func trimmed(_ a: [UInt64]) -> [UInt64] {
        var a = a
        while a.count > 1 && a.last == 0 { a.removeLast() }
        return a
    }
}
