/// The ChaCha20 block function (RFC 8439, section 2.3): 20 rounds over a 4×4 matrix of
/// 32-bit words holding the constants, a 256-bit key, a block counter and a nonce.
///
/// privfed lays the last four words out as a 64-bit block counter (words 12–13) and a
/// 64-bit stream nonce (words 14–15), the layout of Bernstein's original ChaCha, so one key
/// yields 2^64 blocks per stream. With the counter's high word taken as the RFC's first
/// nonce word the output is the RFC's, which the tests check.
@usableFromInline
struct ChaCha20Block: Sendable {
    @usableFromInline var key: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
    @usableFromInline var nonce: UInt64

    @inlinable
    init(key: [UInt8], nonce: UInt64) {
        precondition(key.count == 32, "a ChaCha20 key is 32 bytes")
        func word(_ i: Int) -> UInt32 {
            UInt32(key[4 * i]) | UInt32(key[4 * i + 1]) << 8 | UInt32(key[4 * i + 2]) << 16 | UInt32(key[4 * i + 3]) << 24
        }
        self.key = (word(0), word(1), word(2), word(3), word(4), word(5), word(6), word(7))
        self.nonce = nonce
    }

    @inlinable @inline(__always)
    static func quarterRound(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32) {
        a &+= b; d ^= a; d = d << 16 | d >> 16
        c &+= d; b ^= c; b = b << 12 | b >> 20
        a &+= b; d ^= a; d = d << 8 | d >> 24
        c &+= d; b ^= c; b = b << 7 | b >> 25
    }

    /// Writes the 16 output words of block `counter` to `out`.
    @inlinable
    func generate(counter: UInt64, into out: UnsafeMutablePointer<UInt32>) {
        let s0: UInt32 = 0x6170_7865, s1: UInt32 = 0x3320_646e, s2: UInt32 = 0x7962_2d32, s3: UInt32 = 0x6b20_6574
        let s12 = UInt32(truncatingIfNeeded: counter), s13 = UInt32(truncatingIfNeeded: counter >> 32)
        let s14 = UInt32(truncatingIfNeeded: nonce), s15 = UInt32(truncatingIfNeeded: nonce >> 32)
        var x0 = s0, x1 = s1, x2 = s2, x3 = s3
        var x4 = key.0, x5 = key.1, x6 = key.2, x7 = key.3
        var x8 = key.4, x9 = key.5, x10 = key.6, x11 = key.7
        var x12 = s12, x13 = s13, x14 = s14, x15 = s15
        for _ in 0..<10 {
            Self.quarterRound(&x0, &x4, &x8, &x12)
            Self.quarterRound(&x1, &x5, &x9, &x13)
            Self.quarterRound(&x2, &x6, &x10, &x14)
            Self.quarterRound(&x3, &x7, &x11, &x15)
            Self.quarterRound(&x0, &x5, &x10, &x15)
            Self.quarterRound(&x1, &x6, &x11, &x12)
            Self.quarterRound(&x2, &x7, &x8, &x13)
            Self.quarterRound(&x3, &x4, &x9, &x14)
        }
        out[0] = x0 &+ s0; out[1] = x1 &+ s1; out[2] = x2 &+ s2; out[3] = x3 &+ s3
        out[4] = x4 &+ key.0; out[5] = x5 &+ key.1; out[6] = x6 &+ key.2; out[7] = x7 &+ key.3
        out[8] = x8 &+ key.4; out[9] = x9 &+ key.5; out[10] = x10 &+ key.6; out[11] = x11 &+ key.7
        out[12] = x12 &+ s12; out[13] = x13 &+ s13; out[14] = x14 &+ s14; out[15] = x15 &+ s15
    }
}
