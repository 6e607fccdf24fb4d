/// The ChaCha20 keystream (RFC 8439, sections 2.3–2.4) computed eight blocks at a time in SIMD
/// lanes and applied straight onto vectors over Z_(2^64): the PRG that expands 32-byte seeds into
/// masks and shares of whole model updates.
///
/// Why a second ChaCha20 next to `ChaCha20Generator`: bulk keystream is the dominant cost of
/// pairwise-mask secure aggregation (every client expands one mask per neighbour, each as long as
/// the model; Bonawitz et al. 2017, Bell et al. 2020) and of DP-SGD noise (one Gaussian per
/// parameter per step). `Randomness.ChaCha20Generator` computes one
/// block at a time in scalar code; here lane b of each `SIMD8<UInt32>` state word holds block
/// `counter + b`, so the 20 rounds run on eight blocks at once, and each batch is added to (or
/// subtracted from, or written over) the destination with no intermediate copy. Built for AVX2
/// (x86-64-v3, see Package.swift).
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
    @inline(never)
    public func apply(_ operation: Operation, to target: UnsafeMutableBufferPointer<UInt64>) {
        guard let base = target.baseAddress else { return }
        let count = target.count
        var scratch = (SIMD8<UInt32>(), SIMD8<UInt32>(), SIMD8<UInt32>(), SIMD8<UInt32>(),
                       SIMD8<UInt32>(), SIMD8<UInt32>(), SIMD8<UInt32>(), SIMD8<UInt32>(),
                       SIMD8<UInt32>(), SIMD8<UInt32>(), SIMD8<UInt32>(), SIMD8<UInt32>(),
                       SIMD8<UInt32>(), SIMD8<UInt32>(), SIMD8<UInt32>(), SIMD8<UInt32>())
        var counter: UInt64 = 0
        var offset = 0
        withUnsafeMutableBytes(of: &scratch) { raw in
            let words = raw.baseAddress!.assumingMemoryBound(to: UInt32.self)
            while offset < count {
                eightBlocks(counter: counter, into: words)
                let n = min(64, count - offset)
                let out = base + offset
                // Word w of block b sits at words[8w + b]; keystream UInt64 j of block b is
                // words 2j (low half) and 2j + 1 (high half).
                switch operation {
                case .overwrite:
                    for i in 0..<n { out[i] = Self.word(words, i) }
                case .add:
                    for i in 0..<n { out[i] &+= Self.word(words, i) }
                case .subtract:
                    for i in 0..<n { out[i] &-= Self.word(words, i) }
                }
                offset += 64
                counter &+= 8
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

    /// Keystream word `i` (0..<64) of a batch written by `eightBlocks`.
    @inline(__always)
    public static func word(_ words: UnsafeMutablePointer<UInt32>, _ i: Int) -> UInt64 {
        let block = i >> 3, j = i & 7
        return UInt64(words[16 * j + block]) | UInt64(words[16 * j + 8 + block]) << 32
    }

    @inline(__always)
    static func rotl(_ v: SIMD8<UInt32>, _ n: UInt32) -> SIMD8<UInt32> {
        (v &<< n) | (v &>> (32 - n))
    }

    /// Rotation by 8 as a byte shuffle (bytes b0 b1 b2 b3 of each little-endian word become
    /// b3 b0 b1 b2): one `pshufb` instead of two shifts and an or.
    @inline(__always)
    static func rotl8(_ v: SIMD8<UInt32>) -> SIMD8<UInt32> {
        let b = unsafeBitCast(v, to: SIMD32<UInt8>.self)
        let r = SIMD32<UInt8>(b[3], b[0], b[1], b[2], b[7], b[4], b[5], b[6],
                              b[11], b[8], b[9], b[10], b[15], b[12], b[13], b[14],
                              b[19], b[16], b[17], b[18], b[23], b[20], b[21], b[22],
                              b[27], b[24], b[25], b[26], b[31], b[28], b[29], b[30])
        return unsafeBitCast(r, to: SIMD8<UInt32>.self)
    }

    @inline(__always)
    static func rotl16(_ v: SIMD8<UInt32>) -> SIMD8<UInt32> {
        let h = unsafeBitCast(v, to: SIMD16<UInt16>.self)
        let r = SIMD16<UInt16>(h[1], h[0], h[3], h[2], h[5], h[4], h[7], h[6],
                               h[9], h[8], h[11], h[10], h[13], h[12], h[15], h[14])
        return unsafeBitCast(r, to: SIMD8<UInt32>.self)
    }

    @inline(__always)
    static func quarterRound(_ a: inout SIMD8<UInt32>, _ b: inout SIMD8<UInt32>,
                             _ c: inout SIMD8<UInt32>, _ d: inout SIMD8<UInt32>) {
        a &+= b; d ^= a; d = rotl16(d)
        c &+= d; b ^= c; b = rotl(b, 12)
        a &+= b; d ^= a; d = rotl8(d)
        c &+= d; b ^= c; b = rotl(b, 7)
    }

    /// Blocks `counter ..< counter + 8`, word-major: word w of block b goes to `out[8w + b]`
    /// (128 `UInt32`); read keystream words from it with `word(_:_:)`.
    public func eightBlocks(counter: UInt64, into out: UnsafeMutablePointer<UInt32>) {
        let c = SIMD8<UInt64>(counter, counter &+ 1, counter &+ 2, counter &+ 3, counter &+ 4, counter &+ 5, counter &+ 6, counter &+ 7)
        let s0 = SIMD8<UInt32>(repeating: 0x6170_7865), s1 = SIMD8<UInt32>(repeating: 0x3320_646e)
        let s2 = SIMD8<UInt32>(repeating: 0x7962_2d32), s3 = SIMD8<UInt32>(repeating: 0x6b20_6574)
        let s4 = SIMD8<UInt32>(repeating: k0), s5 = SIMD8<UInt32>(repeating: k1)
        let s6 = SIMD8<UInt32>(repeating: k2), s7 = SIMD8<UInt32>(repeating: k3)
        let s8 = SIMD8<UInt32>(repeating: k4), s9 = SIMD8<UInt32>(repeating: k5)
        let s10 = SIMD8<UInt32>(repeating: k6), s11 = SIMD8<UInt32>(repeating: k7)
        let s12 = SIMD8<UInt32>(truncatingIfNeeded: c), s13 = SIMD8<UInt32>(truncatingIfNeeded: c &>> 32)
        let s14 = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: nonce))
        let s15 = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: nonce >> 32))
        // Built for AVX2 (Package.swift): rotations by 16 and 8 are byte shuffles, by 12 and 7
        // two shifts and an or, on all eight lanes at once.
        var x0 = s0, x1 = s1, x2 = s2, x3 = s3, x4 = s4, x5 = s5, x6 = s6, x7 = s7
        var x8 = s8, x9 = s9, x10 = s10, x11 = s11, x12 = s12, x13 = s13, x14 = s14, x15 = s15
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
        let o = UnsafeMutableRawPointer(out)
        o.storeBytes(of: x0 &+ s0, toByteOffset: 0, as: SIMD8<UInt32>.self)
        o.storeBytes(of: x1 &+ s1, toByteOffset: 32, as: SIMD8<UInt32>.self)
        o.storeBytes(of: x2 &+ s2, toByteOffset: 64, as: SIMD8<UInt32>.self)
        o.storeBytes(of: x3 &+ s3, toByteOffset: 96, as: SIMD8<UInt32>.self)
        o.storeBytes(of: x4 &+ s4, toByteOffset: 128, as: SIMD8<UInt32>.self)
        o.storeBytes(of: x5 &+ s5, toByteOffset: 160, as: SIMD8<UInt32>.self)
        o.storeBytes(of: x6 &+ s6, toByteOffset: 192, as: SIMD8<UInt32>.self)
        o.storeBytes(of: x7 &+ s7, toByteOffset: 224, as: SIMD8<UInt32>.self)
        o.storeBytes(of: x8 &+ s8, toByteOffset: 256, as: SIMD8<UInt32>.self)
        o.storeBytes(of: x9 &+ s9, toByteOffset: 288, as: SIMD8<UInt32>.self)
        o.storeBytes(of: x10 &+ s10, toByteOffset: 320, as: SIMD8<UInt32>.self)
        o.storeBytes(of: x11 &+ s11, toByteOffset: 352, as: SIMD8<UInt32>.self)
        o.storeBytes(of: x12 &+ s12, toByteOffset: 384, as: SIMD8<UInt32>.self)
        o.storeBytes(of: x13 &+ s13, toByteOffset: 416, as: SIMD8<UInt32>.self)
        o.storeBytes(of: x14 &+ s14, toByteOffset: 448, as: SIMD8<UInt32>.self)
        o.storeBytes(of: x15 &+ s15, toByteOffset: 480, as: SIMD8<UInt32>.self)
    }
}

