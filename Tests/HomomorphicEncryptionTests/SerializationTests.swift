import XCTest
import Randomness
@testable import HomomorphicEncryption

final class SerializationTests: XCTestCase {
    static let context = HEContext(parameters: try! .standard(scheme: .ckks, ringDegree: 4096))

    func testObjectsRoundTripAndSizesArePacked() throws {
        let context = Self.context
        let committee = Committee(context: context, parties: 2, seed: 21)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 22, count: 32))
        let encoder = try CKKSEncoder(context: context)
        let pt = try encoder.encode([0.5, -0.25])
        let ct = context.encrypt(message: pt.polynomial, scale: pt.scale, publicKey: committee.publicKey, rng: &rng)
        let bytes = HESerialization.serialize(ct, context: context)
        XCTAssertEqual(bytes.count, HESerialization.byteCount(of: ct, context: context))
        // 60 + 49 bits per coefficient pair of limbs, two polynomials.
        XCTAssertEqual(bytes.count, 14 + 22 + 2 * (4096 * 60 / 8 + 4096 * 49 / 8))
        XCTAssertEqual(try HESerialization.deserializeCiphertext(bytes, context: context), ct)
        let pkBytes = HESerialization.serialize(committee.publicKey, context: context)
        XCTAssertEqual(pkBytes.count, HESerialization.publicKeyByteCount(context: context))
        XCTAssertEqual(try HESerialization.deserializePublicKey(pkBytes, context: context), committee.publicKey)
        let share = ThresholdDecryption(context: context).generateShare(ciphertext: ct, secretKeyShare: committee.shares[0], rng: &rng)
        let shareBytes = HESerialization.serialize(share, context: context)
        XCTAssertEqual(shareBytes.count, HESerialization.decryptionShareByteCount(context: context, limbs: 2))
        XCTAssertEqual(try HESerialization.deserializeDecryptionShare(shareBytes, context: context), share)
    }

    func testMalformedTruncatedAndMismatchedBlobsThrow() throws {
        let context = Self.context
        var rng = ChaCha20Generator(key: [UInt8](repeating: 23, count: 32))
        let sk = SecretKey(context: context, rng: &rng)
        let pt = try CKKSEncoder(context: context).encode([1, 2, 3])
        let ct = context.encrypt(message: pt.polynomial, scale: pt.scale, secretKey: sk, rng: &rng)
        let bytes = HESerialization.serialize(ct, context: context)
        for cut in [0, 3, 13, 20, 40, bytes.count / 2, bytes.count - 1] {
            XCTAssertThrowsError(try HESerialization.deserializeCiphertext(Array(bytes.prefix(cut)), context: context)) {
                XCTAssertTrue($0 is HESerializationError)
            }
        }
        XCTAssertThrowsError(try HESerialization.deserializeCiphertext(bytes + [0], context: context)) {
            XCTAssertEqual($0 as? HESerializationError, .trailingBytes(1))
        }
        var badMagic = bytes; badMagic[0] ^= 1
        XCTAssertThrowsError(try HESerialization.deserializeCiphertext(badMagic, context: context)) { XCTAssertEqual($0 as? HESerializationError, .badMagic) }
        var badVersion = bytes; badVersion[4] = 9
        XCTAssertThrowsError(try HESerialization.deserializeCiphertext(badVersion, context: context)) { XCTAssertEqual($0 as? HESerializationError, .unsupportedVersion(9)) }
        XCTAssertThrowsError(try HESerialization.deserializePublicKey(bytes, context: context)) { XCTAssertEqual($0 as? HESerializationError, .wrongKind(expected: 1, found: 2)) }
        let other = HEContext(parameters: try .standard(scheme: .ckks, ringDegree: 8192))
        XCTAssertThrowsError(try HESerialization.deserializeCiphertext(bytes, context: other)) {
            guard case .parameterMismatch = $0 as? HESerializationError else { return XCTFail("\($0)") }
        }
        // An unreduced coefficient: set the first residue of limb 0 to all ones (≥ q).
        var unreduced = bytes
        for i in 36..<44 { unreduced[i] = 0xFF }
        XCTAssertThrowsError(try HESerialization.deserializeCiphertext(unreduced, context: context)) {
            XCTAssertEqual($0 as? HESerializationError, .coefficientOutOfRange(limb: 0, index: 0))
        }
        // Random bytes, and random bytes behind a valid header, never crash.
        for trial in 0..<200 {
            var junk = rng.bytes(Int(rng.nextBelow(300)))
            if trial % 2 == 0 { junk = Array(bytes.prefix(36)) + junk }
            XCTAssertThrowsError(try HESerialization.deserializeCiphertext(junk, context: context))
            XCTAssertThrowsError(try HESerialization.deserializeDecryptionShare(junk, context: context))
        }
    }
}
