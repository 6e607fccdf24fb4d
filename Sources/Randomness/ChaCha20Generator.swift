/// A cryptographically secure pseudorandom generator: the ChaCha20 keystream (RFC 8439)
/// under a 256-bit key, read in whole blocks from user space.
///
/// Why not `SystemRandomNumberGenerator` per draw: one system call per draw dominates the cost
/// of lattice encryption (see DESIGN.md, Reproducibility). The OS is asked once, for the key
/// (`RandomStreams.secure()`), or the key is derived from the manifest seed
/// (`RandomStreams(seed:)`), and every draw after that is ChaCha20 output.
///
/// A value type: copying a generator copies its position, so two copies yield the same draws.
/// Pass it `inout`.
public struct ChaCha20Generator: RandomNumberGenerator, Sendable {
    @usableFromInline let block: ChaCha20Block
    @usableFromInline var counter: UInt64 = 0
    @usableFromInline var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    @usableFromInline var index: Int = 8

    /// - Parameters:
    ///   - key: 32 bytes.
    ///   - nonce: separates streams under one key.
    public init(key: [UInt8], nonce: UInt64 = 0) {
        self.block = ChaCha20Block(key: key, nonce: nonce)
    }

    @inlinable
    mutating func refill() {
        withUnsafeMutableBytes(of: &buffer) { raw in
            block.generate(counter: counter, into: raw.baseAddress!.assumingMemoryBound(to: UInt32.self))
        }
        counter &+= 1
        index = 0
    }

    /// The next 64 bits of keystream, little-endian word order.
    @inlinable
    public mutating func next() -> UInt64 {
        if index == 8 { refill() }
        let value = withUnsafeBytes(of: &buffer) { $0.load(fromByteOffset: index * 8, as: UInt64.self) }
        index += 1
        return value
    }

    /// Fills `bytes` with keystream. Whole blocks are written straight into the destination.
    public mutating func fill(_ bytes: UnsafeMutableRawBufferPointer) {
        var offset = 0
        let count = bytes.count
        // Drain what is left of the current block first, a word at a time.
        while index < 8 && offset < count {
            var word = next()
            let n = min(8, count - offset)
            withUnsafeBytes(of: &word) { src in
                bytes.baseAddress!.advanced(by: offset).copyMemory(from: src.baseAddress!, byteCount: n)
            }
            offset += n
        }
        var scratch = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while count - offset >= 64 {
            withUnsafeMutableBytes(of: &scratch) { raw in
                block.generate(counter: counter, into: raw.baseAddress!.assumingMemoryBound(to: UInt32.self))
                bytes.baseAddress!.advanced(by: offset).copyMemory(from: raw.baseAddress!, byteCount: 64)
            }
            counter &+= 1
            offset += 64
        }
        while offset < count {
            var word = next()
            let n = min(8, count - offset)
            withUnsafeBytes(of: &word) { src in
                bytes.baseAddress!.advanced(by: offset).copyMemory(from: src.baseAddress!, byteCount: n)
            }
            offset += n
        }
    }

    /// `count` bytes of keystream.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }

    /// A uniform double in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform float in [0, 1) with 24 random bits.
    @inlinable
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * 0x1.0p-24
    }

    /// A uniform integer in 0..<bound without modulo bias (Lemire 2019, "Fast random integer
    /// generation in an interval", rejection on the low product).
    @inlinable
    public mutating func nextBelow(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return m.high
    }
}
