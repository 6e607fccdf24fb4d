import Foundation
import XCTest
import Randomness
@testable import HomomorphicEncryption

final class CKKSTests: XCTestCase {
    static let context8192 = HEContext(parameters: try! .standard(scheme: .ckks, ringDegree: 8192))

    static func randomValues(_ count: Int, _ rng: inout ChaCha20Generator) -> [Double] {
        (0..<count).map { _ in rng.nextUnitDouble() * 2 - 1 }
    }

    func testEncodingEvaluatesThePolynomialAtTheRotationGroupRoots() throws {
        // Independent check at N = 64: decode(m)_j = m(ζ^{5^j}) / Δ with ζ = exp(iπ/N), by direct O(N²) evaluation.
        let context = HEContext(parameters: try HEParameters(scheme: .ckks, ringDegree: 1024, coefficientModulusBits: [60],
                                                             scale: 0x1p30, allowInsecure: true))
        let encoder = try CKKSEncoder(context: context)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 3, count: 32))
        let values = Self.randomValues(encoder.slotCount, &rng)
        let plaintext = try encoder.encode(values)
        let n = context.degree
        let coefficients = context.liftCentred(plaintext.polynomial)
        var power = 1
        for j in 0..<8 {
            var re = 0.0, im = 0.0
            for k in 0..<n {
                let angle = Double.pi * Double((k * power) % (2 * n)) / Double(n)
                re += coefficients[k] * cos(angle)
                im += coefficients[k] * sin(angle)
            }
            XCTAssertEqual(re / plaintext.scale, values[j], accuracy: 1e-7, "slot \(j)")
            XCTAssertEqual(im / plaintext.scale, 0, accuracy: 1e-7, "slot \(j)")
            power = power * 5 % (2 * n)
        }
        // The coefficients are real integers: the conjugate-symmetric embedding of real slots.
        let decoded = encoder.decode(plaintext.polynomial, scale: plaintext.scale)
        for j in 0..<values.count { XCTAssertEqual(decoded[j], values[j], accuracy: 1e-7) }
    }

    func testEncodeDecodeRoundTripAtEverySupportedDegree() throws {
        var rng = ChaCha20Generator(key: [UInt8](repeating: 4, count: 32))
        for n in [4096, 8192, 16384, 32768] {
            let context = n == 8192 ? Self.context8192 : HEContext(parameters: try .standard(scheme: .ckks, ringDegree: n))
            let encoder = try CKKSEncoder(context: context)
            let values = Self.randomValues(encoder.slotCount, &rng)
            let plaintext = try encoder.encode(values)
            let decoded = encoder.decode(plaintext.polynomial, scale: plaintext.scale)
            let error = zip(decoded, values).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(error, 1e-9, "N = \(n)")
        }
    }

    func testPublicKeyAndSymmetricEncryptionDecryptWithinOneMillionth() throws {
        let context = Self.context8192
        let encoder = try CKKSEncoder(context: context)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 5, count: 32))
        let sk = SecretKey(context: context, rng: &rng)
        let pk = PublicKey(secretKey: sk, context: context, rng: &rng)
        let values = Self.randomValues(encoder.slotCount, &rng)
        let pt = try encoder.encode(values)
        for ct in [context.encrypt(message: pt.polynomial, scale: pt.scale, publicKey: pk, rng: &rng),
                   context.encrypt(message: pt.polynomial, scale: pt.scale, secretKey: sk, rng: &rng)] {
            let decoded = encoder.decrypt(ct, secretKey: sk)
            let error = zip(decoded, values).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(error, 1e-6)
            // The stated noise bound really bounds the decrypted error: |Δ·err| ≤ noise + rounding.
            XCTAssertLessThanOrEqual(error * ct.scale, ct.noiseBound * Double(context.degree) + 1)
        }
        // A wrong key decrypts to garbage.
        let other = SecretKey(context: context, rng: &rng)
        let ct = context.encrypt(message: pt.polynomial, scale: pt.scale, publicKey: pk, rng: &rng)
        let garbage = encoder.decrypt(ct, secretKey: other)
        XCTAssertGreaterThan(zip(garbage, values).map { abs($0 - $1) }.max()!, 1000)
    }

    func testHomomorphicAddSubtractAndPlainProductsMatchPlaintext() throws {
        let context = Self.context8192
        let encoder = try CKKSEncoder(context: context)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 6, count: 32))
        let sk = SecretKey(context: context, rng: &rng)
        let pk = PublicKey(secretKey: sk, context: context, rng: &rng)
        let a = Self.randomValues(encoder.slotCount, &rng), b = Self.randomValues(encoder.slotCount, &rng)
        let w = Self.randomValues(encoder.slotCount, &rng)
        func enc(_ v: [Double]) throws -> Ciphertext {
            let p = try encoder.encode(v)
            return context.encrypt(message: p.polynomial, scale: p.scale, publicKey: pk, rng: &rng)
        }
        func maxError(_ x: [Double], _ y: [Double]) -> Double { zip(x, y).map { abs($0 - $1) }.max()! }
        let ca = try enc(a), cb = try enc(b)
        XCTAssertLessThan(maxError(encoder.decrypt(try context.add(ca, cb), secretKey: sk), zip(a, b).map(+)), 1e-6)
        XCTAssertLessThan(maxError(encoder.decrypt(try context.subtract(ca, cb), secretKey: sk), zip(a, b).map(-)), 1e-6)
        // Vector product at scale Δ·Δ_w with Δ_w = q_2, then rescale back to Δ.
        let q2 = Double(context.moduli[2].value)
        let pw = try encoder.encode(w, scale: q2)
        let product = try context.rescale(try context.multiply(ca, byPlaintext: pw))
        XCTAssertEqual(product.limbCount, 2)
        XCTAssertEqual(product.scale, ca.scale, accuracy: 1e-6 * ca.scale)
        XCTAssertLessThan(maxError(encoder.decrypt(product, secretKey: sk), zip(a, w).map(*)), 1e-6)
        // Scalar product and rescale (the FedAvg weight path), twice, down to one prime.
        let scaled = try context.multiplyAndRescale(try context.multiplyAndRescale(ca, byReal: 0.3), byReal: -2.5)
        XCTAssertEqual(scaled.limbCount, 1)
        XCTAssertLessThan(maxError(encoder.decrypt(scaled, secretKey: sk), a.map { $0 * 0.3 * -2.5 }), 1e-6)
        // Rescale alone divides by the dropped prime.
        let big = try context.multiply(ca, byReal: 1, scale: q2)
        XCTAssertLessThan(maxError(encoder.decrypt(try context.rescale(big), secretKey: sk), a), 1e-6)
        XCTAssertThrowsError(try context.rescale(scaled)) { XCTAssertEqual($0 as? HEEvaluationError, .cannotRescale) }
        XCTAssertThrowsError(try context.add(ca, product)) { XCTAssertEqual($0 as? HEEvaluationError, .levelMismatch(3, 2)) }
    }
}
