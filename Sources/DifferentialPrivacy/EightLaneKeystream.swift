import Randomness

/// A source of uniform 64-bit words, read one at a time.
protocol UniformWordSource {
    mutating func nextWord() -> UInt64
}

extension ChaCha20Generator: UniformWordSource {
    @inline(__always)
    mutating func nextWord() -> UInt64 { next() }
}

/// Reads the eight-lane SIMD ChaCha20 keystream (`Randomness.ChaCha20Keystream`, bit-for-bit the
/// stream of `ChaCha20Generator(key:nonce:)`) word by word from block 0, 64 words per refill —
/// the uniform source of the bulk Gaussian sampler, where one DP-SGD step needs ~10⁵ words.
/// Owns two small buffers; create it with `withReader`, which frees them.
struct EightLaneKeystreamReader: UniformWordSource {
    let cipher: ChaCha20Keystream
    let words: UnsafeMutablePointer<UInt64>
    let scratch: UnsafeMutableRawPointer
    var counter: UInt64 = 0
    var index = 64

    /// Calls `body` with a reader positioned at the start of the stream (key, nonce).
    static func withReader<R>(key: [UInt8], nonce: UInt64, _ body: (inout EightLaneKeystreamReader) throws -> R) rethrows -> R {
        let words = UnsafeMutablePointer<UInt64>.allocate(capacity: 64)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 512, alignment: 32)
        defer { words.deallocate(); scratch.deallocate() }
        var reader = EightLaneKeystreamReader(cipher: ChaCha20Keystream(key: key, nonce: nonce), words: words, scratch: scratch)
        return try body(&reader)
    }

    @inline(__always)
    mutating func nextWord() -> UInt64 {
        if index == 64 {
            let batch = scratch.assumingMemoryBound(to: UInt32.self)
            cipher.eightBlocks(counter: counter, into: batch)
            for i in 0..<64 { words[i] = ChaCha20Keystream.word(batch, i) }
            counter &+= 8
            index = 0
        }
        let w = words[index]
        index += 1
        return w
    }
}
