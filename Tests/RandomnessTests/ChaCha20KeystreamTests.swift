import Randomness
import XCTest

final class ChaCha20KeystreamTests: XCTestCase {
    /// The independent reference is Randomness' scalar generator (itself checked against RFC 8439).
    func testKeystreamMatchesChaCha20GeneratorForEveryLengthAndNonce() {
        var keyRng = ChaCha20Generator(key: [UInt8](repeating: 7, count: 32))
        for nonce: UInt64 in [0, 1, 0xdead_beef_0123_4567] {
            let key = keyRng.bytes(32)
            for count in [0, 1, 7, 8, 31, 32, 33, 64, 100, 1000] {
                var reference = ChaCha20Generator(key: key, nonce: nonce)
                let expected = (0..<count).map { _ in reference.next() }
                XCTAssertEqual(ChaCha20Keystream(key: key, nonce: nonce).words(count), expected,
                               "nonce \(nonce), \(count) words")
            }
        }
    }

    func testAddThenSubtractRestoresTheVector() {
        let key = [UInt8](repeating: 3, count: 32)
        let original: [UInt64] = (0..<77).map { UInt64($0) &* 0x9e37_79b9_7f4a_7c15 }
        var v = original
        let stream = ChaCha20Keystream(key: key)
        stream.apply(.add, to: &v)
        XCTAssertNotEqual(v, original)
        let ks = stream.words(77)
        XCTAssertEqual(v, zip(original, ks).map { $0 &+ $1 })
        stream.apply(.subtract, to: &v)
        XCTAssertEqual(v, original)
    }

    func testLargeBufferKeystreamEqualsGeneratorFillAndReportsThroughput() {
        let key = [UInt8](repeating: 9, count: 32)
        var reference = [UInt64](repeating: 0, count: 1 << 20)
        var gen = ChaCha20Generator(key: key, nonce: 5)
        let clock = ContinuousClock()
        let slow = clock.measure { reference.withUnsafeMutableBytes { gen.fill($0) } }
        var fused = [UInt64](repeating: 0, count: 1 << 20)
        let fast = clock.measure { ChaCha20Keystream(key: key, nonce: 5).apply(.overwrite, to: &fused) }
        XCTAssertEqual(fused, reference.map { UInt64(littleEndian: $0) })
        print("ChaCha20 8 MiB: SIMD keystream \(fast), scalar generator \(slow)")
    }
}
