/// A matrix additively secret-shared between two parties P0 and P1 over Z_(2^64):
/// value = share0 + share1 (mod 2^64), both row-major. The simulation holds both shares in one
/// process; every protocol step touches them exactly as the two parties would, and anything one
/// party sends the other goes through `TwoPartyComputation.open`, which counts the bytes.
public struct SharedMatrix: Sendable, Hashable {
    public let rows: Int
    public let columns: Int
    public var share0: [UInt64]
    public var share1: [UInt64]

    public init(rows: Int, columns: Int, share0: [UInt64], share1: [UInt64]) {
        precondition(share0.count == rows * columns && share1.count == rows * columns, "share sizes must match the shape")
        self.rows = rows
        self.columns = columns
        self.share0 = share0
        self.share1 = share1
    }

    public var count: Int { rows * columns }

    /// Both shares added: what P0 and P1 learn only if they pool their shares. Tests use it to
    /// compare with plaintext; protocols reveal values through `TwoPartyComputation.open`.
    public func reconstruct() -> [UInt64] {
        var v = share0
        RingVector.add(share1, into: &v)
        return v
    }

    /// x + y, computed locally by each party.
    public static func + (x: SharedMatrix, y: SharedMatrix) -> SharedMatrix {
        precondition(x.rows == y.rows && x.columns == y.columns, "shapes differ")
        var r = x
        RingVector.add(y.share0, into: &r.share0)
        RingVector.add(y.share1, into: &r.share1)
        return r
    }

    /// x − y, computed locally.
    public static func - (x: SharedMatrix, y: SharedMatrix) -> SharedMatrix {
        precondition(x.rows == y.rows && x.columns == y.columns, "shapes differ")
        var r = x
        RingVector.subtract(y.share0, from: &r.share0)
        RingVector.subtract(y.share1, from: &r.share1)
        return r
    }

    /// Adds a shared row vector (a bias) to every row, locally.
    public func addingRow(_ row: SharedMatrix) -> SharedMatrix {
        precondition(row.count == columns, "bias length must equal the column count")
        var r = self
        for i in 0..<rows {
            for j in 0..<columns {
                r.share0[i * columns + j] &+= row.share0[j]
                r.share1[i * columns + j] &+= row.share1[j]
            }
        }
        return r
    }
}

/// Bits XOR-shared between P0 and P1, 64 per word: value = share0 ^ share1. The Boolean side of
/// the secure comparison (GMW-style evaluation with dealer-supplied AND triples).
public struct SharedBits: Sendable, Hashable {
    public var share0: [UInt64]
    public var share1: [UInt64]
    public var count: Int { share0.count }

    public func reconstruct() -> [UInt64] { zip(share0, share1).map { $0 ^ $1 } }
}

/// What a two-party computation consumed and sent.
public struct TwoPartyStatistics: Sendable, Hashable, Codable {
    /// Matrix Beaver triples (one per secure matrix product).
    public var matrixTriples = 0
    /// Scalar Beaver triples (one per element-wise product), counting each matrix triple's
    /// m·k·n scalar multiplications separately in `matrixTripleMultiplications`.
    public var elementTriples = 0
    /// Scalar multiplications covered by matrix triples (Σ m·k·n).
    public var matrixTripleMultiplications = 0
    /// Boolean AND triples, in 64-bit words.
    public var andTripleWords = 0
    /// Shared random bits for Boolean-to-arithmetic conversion.
    public var randomBits = 0
    /// Bytes P0 and P1 sent each other, both directions.
    public var bytesExchanged = 0
    /// Bytes the crypto provider sent the two parties (triples, bits), counted as explicit shares.
    public var dealerBytes = 0
    /// Communication rounds between P0 and P1 (each `open` is one round).
    public var rounds = 0

    public init() {}

    /// All triples of any kind, the "triples consumed".
    public var triplesConsumed: Int { matrixTriples + elementTriples + andTripleWords }
}
