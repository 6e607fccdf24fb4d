import XCTest
import Randomness
@testable import HomomorphicEncryption

final class BFVTests: XCTestCase {
    func testBatchedEncryptionAdditionAndPlainProductAreExact() throws {
        for n in [4096, 8192] {
            let context = HEContext(parameters: try .standard(scheme: .bfv, ringDegree: n))
            let encoder = try BFVEncoder(context: context)
            let t = Int64(encoder.plaintextModulus)
            XCTAssertEqual(UInt64(t) % UInt64(2 * n), 1)
            var rng = ChaCha20Generator(key: [UInt8](repeating: 9, count: 32))
            let sk = SecretKey(context: context, rng: &rng)
            let pk = PublicKey(secretKey: sk, context: context, rng: &rng)
            func centred(_ x: Int64) -> Int64 { let r = ((x % t) + t) % t; return r > t / 2 ? r - t : r }
            let a = (0..<n).map { _ in Int64(rng.nextBelow(UInt64(t))) - t / 2 }
            let b = (0..<n).map { _ in Int64(rng.nextBelow(UInt64(t))) - t / 2 }
            let w = (0..<n).map { _ in Int64(rng.nextBelow(2001)) - 1000 }
            let ca = try encoder.encrypt(a, publicKey: pk, rng: &rng), cb = try encoder.encrypt(b, publicKey: pk, rng: &rng)
            XCTAssertEqual(encoder.decrypt(ca, secretKey: sk), a.map(centred))
            XCTAssertEqual(encoder.decrypt(try context.add(ca, cb), secretKey: sk), zip(a, b).map { centred($0 + $1) })
            XCTAssertEqual(encoder.decrypt(try context.subtract(ca, cb), secretKey: sk), zip(a, b).map { centred($0 - $1) })
            let product = try context.multiply(ca, byPlaintext: try encoder.plaintextForMultiplication(w))
            let expected = zip(a, w).map { (x, y) in Int64((Int128(x) * Int128(y) % Int128(t) + Int128(t)) % Int128(t)) }.map(centred)
            XCTAssertEqual(encoder.decrypt(product, secretKey: sk), expected)
            XCTAssertLessThan(product.noiseBound, encoder.noiseTolerance)
            XCTAssertEqual(encoder.decrypt(context.multiply(ca, byInteger: -7), secretKey: sk), a.map { centred($0 * -7) })
        }
    }

    func testEncodingIsABijectionOnSlots() throws {
        let context = HEContext(parameters: try .standard(scheme: .bfv, ringDegree: 4096))
        let encoder = try BFVEncoder(context: context)
        let values = (0..<4096).map { Int64($0) - 2048 }
        XCTAssertEqual(encoder.decodeCoefficients(try encoder.encodeCoefficients(values)), values)
        XCTAssertThrowsError(try encoder.encodeCoefficients([Int64](repeating: 0, count: 4097)))
        XCTAssertThrowsError(try CKKSEncoder(context: context))
    }
}
