import Randomness

/// Two-party computation on additively shared fixed-point values with a crypto provider:
/// Beaver multiplication (Beaver 1991), matrix triples and probabilistic truncation (SecureML,
/// Mohassel and Zhang 2017, sections 4.1–4.2), and a secure comparison (`SecureComparison.swift`).
///
/// Security model: P0 and P1 are honest-but-curious and do not collude with each other or with
/// the dealer. Everything they exchange is a value masked by a fresh uniform triple component
/// (X − A, Y − B), so each party's view is uniform apart from what is deliberately opened.
///
/// Fixed point: values carry f fractional bits in Z_(2^64) as in `FixedPointEncoding`; a product
/// of two such values has 2f and is brought back by `truncate`.
public struct TwoPartyComputation: Sendable {
    public let fractionalBits: Int
    /// Threads used for the local matrix products of each party.
    public let threads: Int
    public internal(set) var dealer: BeaverDealer
    var exchanged = TwoPartyStatistics()

    public init(fractionalBits: Int, dealer: BeaverDealer, threads: Int = 1) {
        precondition((1...30).contains(fractionalBits), "fractional bits for products must be in 1...30")
        self.fractionalBits = fractionalBits
        self.dealer = dealer
        self.threads = threads
    }

    /// Dealer and exchange counters together.
    public var statistics: TwoPartyStatistics {
        var s = dealer.statistics
        s.bytesExchanged = exchanged.bytesExchanged
        s.rounds = exchanged.rounds
        return s
    }

    /// Both parties publish their shares of `x` (one round; each sends 8 bytes per element).
    mutating func open(_ x: SharedMatrix) -> [UInt64] {
        exchanged.bytesExchanged += 16 * x.count
        exchanged.rounds += 1
        return x.reconstruct()
    }

    /// Opens two values in one round.
    mutating func open(_ x: SharedMatrix, _ y: SharedMatrix) -> ([UInt64], [UInt64]) {
        exchanged.bytesExchanged += 16 * (x.count + y.count)
        exchanged.rounds += 1
        return (x.reconstruct(), y.reconstruct())
    }

    /// XOR-opens shared bit words (one round).
    mutating func open(_ x: SharedBits, _ y: SharedBits) -> ([UInt64], [UInt64]) {
        exchanged.bytesExchanged += 16 * (x.count + y.count)
        exchanged.rounds += 1
        return (x.reconstruct(), y.reconstruct())
    }

    /// Opens single shared bits (bit 0 of each word), one byte per bit per party.
    mutating func openBits(_ x: SharedBits) -> [UInt64] {
        exchanged.bytesExchanged += 2 * x.count
        exchanged.rounds += 1
        return x.reconstruct().map { $0 & 1 }
    }

    /// The matrix product X·Y of shared X (m×k) and Y (k×n), without truncation (Beaver with a
    /// matrix triple): E = X − A and F = Y − B are opened, then
    /// Z_0 = E·(F + B_0) + A_0·F + C_0 and Z_1 = E·B_1 + A_1·F + C_1, so Z_0 + Z_1 = X·Y exactly.
    public mutating func multiply(_ x: SharedMatrix, _ y: SharedMatrix) -> SharedMatrix {
        precondition(x.columns == y.rows, "inner dimensions differ")
        let (m, k, n) = (x.rows, x.columns, y.columns)
        let (a, b, c) = dealer.matrixTriple(m: m, k: k, n: n, threads: threads)
        let (e, f) = open(x - a, y - b)
        var fPlusB0 = f
        RingVector.add(b.share0, into: &fPlusB0)
        var z0 = RingMatrix.multiply(e, fPlusB0, m: m, k: k, n: n, threads: threads)
        RingVector.add(RingMatrix.multiply(a.share0, f, m: m, k: k, n: n, threads: threads), into: &z0)
        RingVector.add(c.share0, into: &z0)
        var z1 = RingMatrix.multiply(e, b.share1, m: m, k: k, n: n, threads: threads)
        RingVector.add(RingMatrix.multiply(a.share1, f, m: m, k: k, n: n, threads: threads), into: &z1)
        RingVector.add(c.share1, into: &z1)
        return SharedMatrix(rows: m, columns: n, share0: z0, share1: z1)
    }

    /// The element-wise product x ⊙ y (same shape), without truncation, by scalar Beaver triples.
    public mutating func multiplyElementwise(_ x: SharedMatrix, _ y: SharedMatrix) -> SharedMatrix {
        precondition(x.count == y.count, "shapes differ")
        let (a, b, c) = dealer.elementTriples(x.count)
        let flat = { (s: SharedMatrix) in SharedMatrix(rows: 1, columns: s.count, share0: s.share0, share1: s.share1) }
        let (e, f) = open(flat(x) - a, flat(y) - b)
        var z0 = c.share0, z1 = c.share1
        for i in 0..<x.count {
            z0[i] &+= e[i] &* f[i] &+ e[i] &* b.share0[i] &+ a.share0[i] &* f[i]
            z1[i] &+= e[i] &* b.share1[i] &+ a.share1[i] &* f[i]
        }
        return SharedMatrix(rows: x.rows, columns: x.columns, share0: z0, share1: z1)
    }

    /// Divides a shared value by 2^f without communication (SecureML, section 4.1, theorem 1):
    /// P0 shifts its share arithmetically, P1 computes −((−x_1) >> f). If |x| < 2^ℓ the result is
    /// ⌊x/2^f⌋ or that plus one, except with probability at most 2^(ℓ + 1 − 64) per element, when it
    /// is wrong by about 2^(64−f); with f = 16 and |x| < 2^40 that is 2^−23.
    public func truncate(_ x: SharedMatrix) -> SharedMatrix {
        let f = UInt64(fractionalBits)
        let s0 = x.share0.map { UInt64(bitPattern: Int64(bitPattern: $0) >> f) }
        let s1 = x.share1.map { 0 &- UInt64(bitPattern: Int64(bitPattern: 0 &- $0) >> f) }
        return SharedMatrix(rows: x.rows, columns: x.columns, share0: s0, share1: s1)
    }

    /// Secure fixed-point matrix product with truncation: (X·Y) / 2^f.
    public mutating func multiplyFixedPoint(_ x: SharedMatrix, _ y: SharedMatrix) -> SharedMatrix {
        truncate(multiply(x, y))
    }
}
