/// The ChaCha20 keystream (RFC 8439, sections 2.3–2.4) applied straight onto vectors over
/// Z_(2^64): the PRG that expands 32-byte seeds into masks and shares of whole model updates.
///
/// Why a second ChaCha20: mask expansion is the dominant cost of pairwise-mask secure aggregation
/// (Bonawitz et al. 2017, section 7.1; Bell et al. 2020, section 5): every client expands one
/// mask per neighbour, each as long as the model. Here each block is added to (or subtracted
/// from, or written over) the destination while still in registers, with no intermediate buffer
/// or per-word call. (A four-lane `SIMD4<UInt32>` variant was measured 2.5× slower: without
/// AVX-512 the compiler scalarizes the vector rotations; see the note in the final report.)
///
/// The output is bit-for-bit the keystream of `ChaCha20Generator(key:nonce:)` read with
/// `next()` from its start: the same key words, a 64-bit block counter in words 12–13 starting at
/// 0 and the 64-bit nonce in words 14–15; keystream word i (a `UInt64`) is bytes 8i..<8i+8 of
/// the stream, little-endian. The tests check this against `ChaCha20Generator`.
public struct ChaCha20Keystream: Sendable {
    let k0: UInt32, k1: UInt32, k2: UInt32, k3: UInt32
    let k4: UInt32, k5: UInt32, k6: UInt32, k7: UInt32
    let nonce: UInt64

    /// - Parameters:
    ///   - key: 32 bytes (a seed agreed by X25519 and HKDF, or drawn from a `ChaCha20Generator`).
    ///   - nonce: separates streams under one key.
    public init(key: [UInt8], nonce: UInt64 = 0) {
        precondition(key.count == 32, "a ChaCha20 key is 32 bytes")
        func word(_ i: Int) -> UInt32 {
            UInt32(key[4 * i]) | UInt32(key[4 * i + 1]) << 8 | UInt32(key[4 * i + 2]) << 16 | UInt32(key[4 * i + 3]) << 24
        }
        (k0, k1, k2, k3) = (word(0), word(1), word(2), word(3))
        (k4, k5, k6, k7) = (word(4), word(5), word(6), word(7))
        self.nonce = nonce
    }

    /// What to do with each keystream word.
    public enum Operation: Sendable {
        /// `target[i] = keystream[i]`
        case overwrite
        /// `target[i] &+= keystream[i]`
        case add
        /// `target[i] &-= keystream[i]`
        case subtract
    }

    /// Applies keystream words `0..<target.count` to `target` by `operation`.
    public func apply(_ operation: Operation, to target: UnsafeMutableBufferPointer<UInt64>) {
        guard let base = target.baseAddress else { return }
        let count = target.count
        var scratch = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var counter: UInt64 = 0
        var offset = 0
        withUnsafeMutableBytes(of: &scratch) { raw in
            let words = raw.baseAddress!.assumingMemoryBound(to: UInt64.self)
            while offset < count {
                block(counter: counter, into: raw.baseAddress!.assumingMemoryBound(to: UInt32.self))
                let n = min(8, count - offset)
                let out = base + offset
                switch operation {
                case .overwrite: for i in 0..<n { out[i] = UInt64(littleEndian: words[i]) }
                case .add: for i in 0..<n { out[i] &+= UInt64(littleEndian: words[i]) }
                case .subtract: for i in 0..<n { out[i] &-= UInt64(littleEndian: words[i]) }
                }
                offset += 8
                counter &+= 1
            }
        }
    }

    /// Applies the keystream to a whole array.
    public func apply(_ operation: Operation, to target: inout [UInt64]) {
        target.withUnsafeMutableBufferPointer { apply(operation, to: $0) }
    }

    /// The first `count` keystream words.
    public func words(_ count: Int) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: count)
        apply(.overwrite, to: &out)
        return out
    }

    @inline(__always)
    static func quarterRound(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32) {
        a &+= b; d ^= a; d = d << 16 | d >> 16
        c &+= d; b ^= c; b = b << 12 | b >> 20
        a &+= b; d ^= a; d = d << 8 | d >> 24
        c &+= d; b ^= c; b = b << 7 | b >> 25
    }

    /// Block `counter`: its 16 output words (RFC 8439, section 2.3.1) to `out`.
    @inline(__always)
    func block(counter: UInt64, into out: UnsafeMutablePointer<UInt32>) {
        let s0: UInt32 = 0x6170_7865, s1: UInt32 = 0x3320_646e, s2: UInt32 = 0x7962_2d32, s3: UInt32 = 0x6b20_6574
        let s12 = UInt32(truncatingIfNeeded: counter), s13 = UInt32(truncatingIfNeeded: counter >> 32)
        let s14 = UInt32(truncatingIfNeeded: nonce), s15 = UInt32(truncatingIfNeeded: nonce >> 32)
        var x0 = s0, x1 = s1, x2 = s2, x3 = s3, x4 = k0, x5 = k1, x6 = k2, x7 = k3
        var x8 = k4, x9 = k5, x10 = k6, x11 = k7, x12 = s12, x13 = s13, x14 = s14, x15 = s15
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
        out[0] = (x0 &+ s0).littleEndian; out[1] = (x1 &+ s1).littleEndian
        out[2] = (x2 &+ s2).littleEndian; out[3] = (x3 &+ s3).littleEndian
        out[4] = (x4 &+ k0).littleEndian; out[5] = (x5 &+ k1).littleEndian
        out[6] = (x6 &+ k2).littleEndian; out[7] = (x7 &+ k3).littleEndian
        out[8] = (x8 &+ k4).littleEndian; out[9] = (x9 &+ k5).littleEndian
        out[10] = (x10 &+ k6).littleEndian; out[11] = (x11 &+ k7).littleEndian
        out[12] = (x12 &+ s12).littleEndian; out[13] = (x13 &+ s13).littleEndian
        out[14] = (x14 &+ s14).littleEndian; out[15] = (x15 &+ s15).littleEndian
    }
}
