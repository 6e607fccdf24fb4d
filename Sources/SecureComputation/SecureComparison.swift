/// Secure comparison with zero for two-party shares over Z_(2^64), and what it builds: DReLU,
/// ReLU and Boolean-to-arithmetic conversion.
///
/// The sign of x = x_0 + x_1 (mod 2^64) is msb(x) = msb(x_0) ⊕ msb(x_1) ⊕ carry, where carry is
/// the carry into bit 63 of low63(x_0) + low63(x_1), i.e. the comparison
/// a > b with a = low63(x_0) held by P0 and b = 2^63 − 1 − low63(x_1) held by P1. That
/// comparison is a Boolean circuit (GMW, Goldreich–Micali–Wigderson 1987) evaluated on XOR shares
/// with AND triples from the crypto provider: per bit, gt_i = a_i ∧ ¬b_i and eq_i = ¬(a_i ⊕ b_i),
/// combined by a log-depth prefix tree (Kogge–Stone style), (G, E) ∘ (G', E') = (G ⊕ E∧G', E ∧ E')
/// with the higher segment first, six levels for 64 bit positions, all 64 positions of one element
/// packed in one word. Exact: no approximation and no error probability; 13 AND-word triples and
/// 7 rounds per batch of comparisons.
extension TwoPartyComputation {
    /// AND of XOR-shared words with dealer triples (u, v, w = u ∧ v): open d = x ⊕ u, e = y ⊕ v,
    /// then z_i = w_i ⊕ (d ∧ v_i) ⊕ (e ∧ u_i), and P0 adds d ∧ e.
    mutating func and(_ x: SharedBits, _ y: SharedBits) -> SharedBits {
        precondition(x.count == y.count, "bit vectors differ in length")
        let (u, v, w) = dealer.andTriples(words: x.count)
        let dx = SharedBits(share0: zip(x.share0, u.share0).map { $0 ^ $1 }, share1: zip(x.share1, u.share1).map { $0 ^ $1 })
        let ey = SharedBits(share0: zip(y.share0, v.share0).map { $0 ^ $1 }, share1: zip(y.share1, v.share1).map { $0 ^ $1 })
        let (d, e) = open(dx, ey)
        var z0 = w.share0, z1 = w.share1
        for i in 0..<x.count {
            z0[i] ^= (d[i] & v.share0[i]) ^ (e[i] & u.share0[i]) ^ (d[i] & e[i])
            z1[i] ^= (d[i] & v.share1[i]) ^ (e[i] & u.share1[i])
        }
        return SharedBits(share0: z0, share1: z1)
    }

    /// Two ANDs sharing one round: (x ∧ y, x ∧ z).
    mutating func and(_ x: SharedBits, _ y: SharedBits, _ z: SharedBits) -> (SharedBits, SharedBits) {
        let both = and(SharedBits(share0: x.share0 + x.share0, share1: x.share1 + x.share1),
                       SharedBits(share0: y.share0 + z.share0, share1: y.share1 + z.share1))
        let n = x.count
        return (SharedBits(share0: Array(both.share0[..<n]), share1: Array(both.share1[..<n])),
                SharedBits(share0: Array(both.share0[n...]), share1: Array(both.share1[n...])))
    }

    /// XOR shares of [x ≥ 0] (bit 0 of each word) for every element of `x`, reading x as a signed
    /// 64-bit fixed-point value.
    public mutating func nonNegativeBits(_ x: SharedMatrix) -> SharedBits {
        let low63: UInt64 = (1 << 63) - 1
        let count = x.count
        // P0 holds a, P1 holds b; as XOR shares: a = (a, 0), ¬b-side = (0, ¬b).
        let a = x.share0.map { $0 & low63 }
        let b = x.share1.map { low63 &- ($0 & low63) }
        let zero = [UInt64](repeating: 0, count: count)
        // Bit 63 is padding: "equal" and "not greater", so it never changes the result.
        var g = and(SharedBits(share0: a, share1: zero), SharedBits(share0: zero, share1: b.map { ~$0 & low63 }))
        var e = SharedBits(share0: a.map { ~$0 }, share1: b)  // ¬a ⊕ b = ¬(a ⊕ b); bit 63: 1 ⊕ 0 = 1
        var shift: UInt64 = 1
        while shift < 64 {
            let top = ~(UInt64.max >> shift)  // positions past 63 after the shift count as equal
            let eHigh = SharedBits(share0: e.share0.map { ($0 >> shift) ^ top }, share1: e.share1.map { $0 >> shift })
            let gHigh = SharedBits(share0: g.share0.map { $0 >> shift }, share1: g.share1.map { $0 >> shift })
            let (eg, ee) = and(eHigh, g, e)
            g = SharedBits(share0: zip(gHigh.share0, eg.share0).map { $0 ^ $1 }, share1: zip(gHigh.share1, eg.share1).map { $0 ^ $1 })
            e = ee
            shift <<= 1
        }
        // msb(x) = msb(x0) ⊕ msb(x1) ⊕ carry; [x ≥ 0] = 1 ⊕ msb(x) (P0 adds the constant 1).
        return SharedBits(share0: (0..<count).map { ((x.share0[$0] >> 63) ^ g.share0[$0] ^ 1) & 1 },
                          share1: (0..<count).map { ((x.share1[$0] >> 63) ^ g.share1[$0]) & 1 })
    }

    /// Converts XOR-shared bits (bit 0) to additive shares of the same 0/1 values with a dealt
    /// random bit r: c = β ⊕ r is opened and β = c + r − 2cr.
    public mutating func arithmetic(_ bits: SharedBits) -> SharedMatrix {
        let (rb, ra) = dealer.randomBits(bits.count)
        let c = openBits(SharedBits(share0: zip(bits.share0, rb.share0).map { ($0 ^ $1) & 1 },
                                    share1: zip(bits.share1, rb.share1).map { ($0 ^ $1) & 1 }))
        var s0 = ra.share0, s1 = ra.share1
        for i in 0..<bits.count {
            let factor: UInt64 = c[i] == 1 ? UInt64.max : 1  // 1 − 2c as a ring element
            s0[i] = s0[i] &* factor &+ c[i]
            s1[i] = s1[i] &* factor
        }
        return SharedMatrix(rows: 1, columns: bits.count, share0: s0, share1: s1)
    }

    /// ReLU(x) = x · [x ≥ 0], exact (one comparison and one Beaver product per element; the bit is
    /// an integer, so no truncation).
    public mutating func relu(_ x: SharedMatrix) -> SharedMatrix {
        let bit = arithmetic(nonNegativeBits(x))
        return multiplyElementwise(x, SharedMatrix(rows: x.rows, columns: x.columns, share0: bit.share0, share1: bit.share1))
    }
}
