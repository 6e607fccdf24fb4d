import Randomness

/// The crypto provider of two-party computation (the seed's `crypto_provider`): a third party,
/// trusted not to collude with P0 or P1, that deals correlated randomness independent of the
/// inputs before or during the computation (Beaver 1991, "Efficient multiparty protocols using
/// circuit randomization"; the trusted-initializer model of SecureML, Mohassel and Zhang 2017, and
/// of CrypTen). It never sees an input or an opened value.
public struct BeaverDealer: Sendable {
    var generator: ChaCha20Generator
    public private(set) var statistics = TwoPartyStatistics()

    /// - Parameter generator: the provider's CSPRNG stream.
    public init(generator: ChaCha20Generator) { self.generator = generator }

    mutating func uniform(_ count: Int) -> [UInt64] {
        var v = [UInt64](repeating: 0, count: count)
        v.withUnsafeMutableBytes { generator.fill($0) }
        return v
    }

    /// Splits a value the dealer knows into two uniform shares.
    mutating func share(_ value: [UInt64], rows: Int, columns: Int) -> SharedMatrix {
        let s0 = uniform(value.count)
        var s1 = value
        RingVector.subtract(s0, from: &s1)
        statistics.dealerBytes += 16 * value.count
        return SharedMatrix(rows: rows, columns: columns, share0: s0, share1: s1)
    }

    /// A matrix triple (A, B, C = A·B) with A m×k and B k×n uniform, for one secure product
    /// X·Y (Mohassel and Zhang 2017, section 4.2: matrix multiplication triples).
    public mutating func matrixTriple(m: Int, k: Int, n: Int, threads: Int = 1) -> (a: SharedMatrix, b: SharedMatrix, c: SharedMatrix) {
        let a = uniform(m * k), b = uniform(k * n)
        let c = RingMatrix.multiply(a, b, m: m, k: k, n: n, threads: threads)
        statistics.matrixTriples += 1
        statistics.matrixTripleMultiplications += m * k * n
        return (share(a, rows: m, columns: k), share(b, rows: k, columns: n), share(c, rows: m, columns: n))
    }

    /// `count` scalar triples (a, b, c = a·b) for element-wise products.
    public mutating func elementTriples(_ count: Int) -> (a: SharedMatrix, b: SharedMatrix, c: SharedMatrix) {
        let a = uniform(count), b = uniform(count)
        let c = zip(a, b).map { $0 &* $1 }
        statistics.elementTriples += count
        return (share(a, rows: 1, columns: count), share(b, rows: 1, columns: count), share(c, rows: 1, columns: count))
    }

    /// `words` Boolean AND triples, 64 per word: u, v uniform, w = u & v, each XOR-shared.
    public mutating func andTriples(words: Int) -> (u: SharedBits, v: SharedBits, w: SharedBits) {
        func xorShare(_ x: [UInt64]) -> SharedBits {
            let s0 = uniform(x.count)
            return SharedBits(share0: s0, share1: zip(x, s0).map { $0 ^ $1 })
        }
        let u = uniform(words), v = uniform(words)
        statistics.andTripleWords += words
        statistics.dealerBytes += 48 * words
        return (xorShare(u), xorShare(v), xorShare(zip(u, v).map { $0 & $1 }))
    }

    /// `count` random bits r, each dealt both XOR-shared (bit 0 of each word) and additively
    /// shared over Z_(2^64), for converting a shared bit to an arithmetic share.
    public mutating func randomBits(_ count: Int) -> (boolean: SharedBits, arithmetic: SharedMatrix) {
        let r = uniform(count).map { $0 & 1 }
        let b0 = uniform(count).map { $0 & 1 }
        let boolean = SharedBits(share0: b0, share1: zip(r, b0).map { $0 ^ $1 })
        statistics.randomBits += count
        statistics.dealerBytes += 2 * count  // two one-bit shares, rounded to a byte each
        return (boolean, share(r, rows: 1, columns: count))
    }
}
