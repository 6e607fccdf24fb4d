import XCTest
import Randomness
@testable import HomomorphicEncryption

/// `Ciphertext.noiseBound` must bound the noise that BFV decryption actually sees — threshold
/// decryption sizes its smudging from it — also when the plaintext coefficients wrap mod t, which
/// batched encodings do all the time (the coefficients of an encoded vector are uniform in [0, t)
/// whatever the slot values). Every test measures ‖e‖∞ = ‖c0 + c1·s − encode(m)‖∞ with the secret
/// key, on plaintexts chosen so that every coefficient carries, and compares it with the bound.
final class BFVNoiseBoundTests: XCTestCase {
    static let context = HEContext(parameters: try! .standard(scheme: .bfv, ringDegree: 8192))

    /// ‖(c0 + c1·s) − scaledMessage(m)‖∞, centred mod Q, with m the decrypted slots: the noise
    /// relative to the encoding BFVEncoder gives the decrypted plaintext.
    func measuredNoise(_ ciphertext: Ciphertext, secretKey: SecretKey, encoder: BFVEncoder) throws -> Double {
        var e = Self.context.decryptToPolynomial(ciphertext, secretKey: secretKey)
        Self.context.subtract(&e, try encoder.scaledMessage(encoder.decrypt(ciphertext, secretKey: secretKey)))
        return Self.context.liftCentred(e).map(abs).max()!
    }

    /// Slot values whose plaintext polynomial has every coefficient equal to `coefficient`.
    func slots(withEveryCoefficient coefficient: UInt64, _ encoder: BFVEncoder) -> [Int64] {
        encoder.decodeCoefficients([UInt64](repeating: coefficient, count: encoder.slotCount))
    }

    func report(_ name: String, measured: Double, bound: Double) {
        print("\(name): measured ‖e‖∞ = 2^\(String(format: "%.2f", log2(measured))), noiseBound = 2^\(String(format: "%.2f", log2(bound))), "
              + "measured/bound = 2^\(String(format: "%.2f", log2(measured / bound)))")
    }

    func testBFVNoiseBoundCoversPlaintextWrapCarry() throws {
        let encoder = try BFVEncoder(context: Self.context)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 41, count: 32))
        let sk = SecretKey(context: Self.context, rng: &rng)
        let pk = PublicKey(secretKey: sk, context: Self.context, rng: &rng)
        // 64 "parties" each encrypt a plaintext whose coefficients are all t − 1: the sum carries
        // 63 in every coefficient.
        let t = encoder.plaintextModulus
        let values = slots(withEveryCoefficient: t - 1, encoder)
        let parties = 64
        let ciphertexts = try (0..<parties).map { _ in try encoder.encrypt(values, publicKey: pk, rng: &rng) }
        let total = try Self.context.sum(ciphertexts)
        let expected = values.map { v -> Int64 in
            let r = Int64((Int128(v) * Int128(parties) % Int128(t) + Int128(t)) % Int128(t))
            return r > Int64(t / 2) ? r - Int64(t) : r
        }
        XCTAssertEqual(encoder.decrypt(total, secretKey: sk), expected)
        let measured = try measuredNoise(total, secretKey: sk, encoder: encoder)
        report("sum of \(parties) wrapping ciphertexts", measured: measured, bound: total.noiseBound)
        XCTAssertLessThanOrEqual(measured, total.noiseBound)
    }

    func testBFVNoiseBoundCoversWrapOfSubtractionAndIntegerMultiples() throws {
        let encoder = try BFVEncoder(context: Self.context)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 42, count: 32))
        let sk = SecretKey(context: Self.context, rng: &rng)
        let pk = PublicKey(secretKey: sk, context: Self.context, rng: &rng)
        let t = encoder.plaintextModulus
        let high = try encoder.encrypt(slots(withEveryCoefficient: t - 1, encoder), publicKey: pk, rng: &rng)
        let low = try encoder.encrypt(slots(withEveryCoefficient: 0, encoder), publicKey: pk, rng: &rng)
        let difference = try Self.context.subtract(low, high)
        let differenceNoise = try measuredNoise(difference, secretKey: sk, encoder: encoder)
        report("0 − (t − 1)", measured: differenceNoise, bound: difference.noiseBound)
        XCTAssertLessThanOrEqual(differenceNoise, difference.noiseBound)
        for c: Int64 in [1000, -1000, 3, -1] {
            let multiple = Self.context.multiply(high, byInteger: c)
            let noise = try measuredNoise(multiple, secretKey: sk, encoder: encoder)
            report("(t − 1)·\(c)", measured: noise, bound: multiple.noiseBound)
            XCTAssertLessThanOrEqual(noise, multiple.noiseBound, "c = \(c)")
        }
    }

    /// Plaintext products: m ∈ [0, t) times a plaintext of norm P carries up to N·P per
    /// coefficient (all coefficients t − 1 times all coefficients P reach it at X^{N−1}).
    func testBFVNoiseBoundCoversPlaintextProductCarry() throws {
        let encoder = try BFVEncoder(context: Self.context)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 43, count: 32))
        let sk = SecretKey(context: Self.context, rng: &rng)
        let pk = PublicKey(secretKey: sk, context: Self.context, rng: &rng)
        let t = encoder.plaintextModulus
        let ciphertext = try encoder.encrypt(slots(withEveryCoefficient: t - 1, encoder), publicKey: pk, rng: &rng)
        let plaintext = try encoder.plaintextForMultiplication(slots(withEveryCoefficient: 3, encoder))
        XCTAssertEqual(plaintext.coefficientBound, 3)
        let product = try Self.context.multiply(ciphertext, byPlaintext: plaintext)
        let noise = try measuredNoise(product, secretKey: sk, encoder: encoder)
        report("(t − 1)·3 plaintext product", measured: noise, bound: product.noiseBound)
        XCTAssertLessThanOrEqual(noise, product.noiseBound)
        XCTAssertLessThan(product.noiseBound, encoder.noiseTolerance)
    }

    /// The codec's weighted FedAvg sum (integer weights, then additions), as the pipeline runs it.
    func testBFVCodecWeightedSumNoiseIsWithinItsBound() throws {
        let codec = try HEVectorCodec(context: Self.context, mode: .singleKey, parties: 1, maximumTotalWeight: 1000,
                                      valueBound: 8, precisionBits: 20)
        let encoder = try BFVEncoder(context: Self.context)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 44, count: 32))
        let sk = SecretKey(context: Self.context, rng: &rng)
        let pk = PublicKey(secretKey: sk, context: Self.context, rng: &rng)
        let updates = (0..<5).map { _ in (0..<8192).map { _ in Float(rng.nextUnitDouble() * 16 - 8) } }
        let encrypted = try updates.map { try codec.encrypt($0, publicKey: pk, rng: &rng) }
        let total = try codec.weightedSum(encrypted, weights: [100, 200, 300, 150, 250])
        let ciphertext = total.ciphertexts[0]
        let noise = try measuredNoise(ciphertext, secretKey: sk, encoder: encoder)
        report("codec weighted sum, Σw = 1000", measured: noise, bound: ciphertext.noiseBound)
        XCTAssertLessThanOrEqual(noise, ciphertext.noiseBound)
    }
}
