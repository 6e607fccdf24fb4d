import XCTest
import Randomness
@testable import HomomorphicEncryption

/// K parties with their key shares and the collective public key.
struct Committee {
    let context: HEContext
    let shares: [SecretKey]
    let publicKey: PublicKey

    /// - Parameter secrets: k of the key (`SecretKey`; 1 is the ordinary key).
    init(context: HEContext, parties: Int, secrets: Int = 1, seed: UInt64) {
        let streams = RandomStreams(seed: seed)
        var shares: [SecretKey] = []
        var keyShares: [PublicKeyShare] = []
        let generation = CollectivePublicKeyGeneration(context: context, crs: CommonReferencePolynomial(context: context, seed: streams.key("crs")))
        for i in 0..<parties {
            var rng = streams.generator("party/\(i)/keys")
            let s = SecretKey(context: context, secrets: secrets, rng: &rng)
            shares.append(s)
            keyShares.append(generation.generateShare(secretKeyShare: s, rng: &rng))
        }
        self.context = context
        self.shares = shares
        self.publicKey = generation.finalize(try! generation.aggregate(keyShares), epoch: 3)
    }

    /// Σ s_i: only tests may form it, to check the protocol against single-key decryption.
    var jointSecret: SecretKey {
        var s = shares[0].polynomial
        for t in shares.dropFirst() { context.add(&s, t.polynomial) }
        return SecretKey(parameterID: context.parameterID, polynomial: s)
    }
}

final class MultipartyTests: XCTestCase {
    static let context = HEContext(parameters: try! .standard(scheme: .ckks, ringDegree: 8192))

    func testCollectivePublicKeyEncryptsUnderTheSumOfShares() throws {
        let committee = Committee(context: Self.context, parties: 4, seed: 11)
        XCTAssertEqual(committee.publicKey.parties, 4)
        XCTAssertEqual(committee.publicKey.epoch, 3)
        let encoder = try CKKSEncoder(context: Self.context)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 12, count: 32))
        let values = (0..<encoder.slotCount).map { _ in rng.nextUnitDouble() * 2 - 1 }
        let pt = try encoder.encode(values)
        let ct = Self.context.encrypt(message: pt.polynomial, scale: pt.scale, publicKey: committee.publicKey, rng: &rng)
        let decoded = encoder.decrypt(ct, secretKey: committee.jointSecret)
        XCTAssertLessThan(zip(decoded, values).map { abs($0 - $1) }.max()!, 1e-5)
    }

    func testThresholdDecryptionNeedsEveryShareAndFloodsTheNoise() throws {
        let context = Self.context
        let committee = Committee(context: context, parties: 3, seed: 13)
        let codec = try HEVectorCodec(context: context, mode: .threshold, parties: 3, maximumTotalWeight: 3, valueBound: 4)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 14, count: 32))
        let updates = (0..<3).map { _ in (0..<5000).map { _ in Float(rng.nextUnitDouble() * 2 - 1) } }
        let encrypted = try updates.map { try codec.encrypt($0, publicKey: committee.publicKey, rng: &rng) }
        XCTAssertEqual(encrypted[0].ciphertexts.count, 1, "N = 8192 values per ciphertext, one per coefficient")
        let total = try codec.weightedSum(encrypted, weights: [1, 1, 1])
        let shares = committee.shares.map { codec.decryptionShares(of: total, secretKeyShare: $0, rng: &rng) }
        let mean = try codec.decrypt(total, shares: shares, divisor: 3)
        let expected = (0..<5000).map { j in updates.map { Double($0[j]) }.reduce(0, +) / 3 }
        XCTAssertLessThanOrEqual(zip(mean, expected).map { abs($0 - $1) }.max()!, 1e-6)
        // Missing one party's shares: refused, and the raw combination is far from the plaintext.
        XCTAssertThrowsError(try codec.decrypt(total, shares: Array(shares.dropLast()), divisor: 3)) {
            XCTAssertEqual($0 as? MultipartyError, .missingShares(expected: 3, received: 2))
        }
        let aggregate = try codec.threshold.aggregate([shares[0][0], shares[1][0]])
        let raw = codec.threshold.combine(ciphertext: total.ciphertexts[0], aggregate: aggregate)
        let leaked = try CKKSCoefficientEncoding(context: context).decode(raw, scale: total.ciphertexts[0].scale, count: 4096)
        // Without s_3·c1 the coefficient is uniform mod Q: its value uniform over ±Q/(2Δ) ≈ ±90, so
        // a thousandth is met by chance about once per 10^4 coefficients.
        let closeSlots = zip(leaked, expected.prefix(4096)).filter { abs($0 / 3 - $1) < 1e-3 }.count
        XCTAssertLessThan(closeSlots, 8)
        // The smudging size follows the stated formula: ⌈log2 B⌉ + λ + log2 N + 1.
        let b = shares[0][0].smudgingBits
        XCTAssertEqual(b, Int(log2(total.ciphertexts[0].noiseBound).rounded(.up)) + 40 + 13 + 1)
    }

    func testThresholdBFVAggregateIsExactFixedPoint() throws {
        let context = HEContext(parameters: try .standard(scheme: .bfv, ringDegree: 8192))
        let committee = Committee(context: context, parties: 3, seed: 15)
        let codec = try HEVectorCodec(context: context, mode: .threshold, parties: 3, maximumTotalWeight: 100, valueBound: 8, precisionBits: 24)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 16, count: 32))
        let updates = (0..<3).map { _ in (0..<9000).map { _ in Float(rng.nextUnitDouble() * 16 - 8) } }
        let weights = [10, 30, 60]
        let encrypted = try updates.map { try codec.encrypt($0, publicKey: committee.publicKey, rng: &rng) }
        let total = try codec.weightedSum(encrypted, weights: weights)
        let shares = committee.shares.map { codec.decryptionShares(of: total, secretKeyShare: $0, rng: &rng) }
        let mean = try codec.decrypt(total, shares: shares, divisor: 100)
        // Exact: equals the weighted mean of the fixed-point roundings.
        let grid = 0x1p24
        for j in stride(from: 0, to: 9000, by: 37) {
            let fixed = (0..<3).map { Double(weights[$0]) * (Double(updates[$0][j]) * grid).rounded() }.reduce(0, +)
            XCTAssertEqual(mean[j], (fixed / grid / 100 * grid).rounded() / grid)
        }
        XCTAssertThrowsError(try HEVectorCodec(context: context, mode: .threshold, parties: 3, maximumTotalWeight: 1 << 20, valueBound: 8, precisionBits: 24))
    }

    func testPublicKeyIdentifiersTrackEpochsAndKeys() {
        let a = Committee(context: Self.context, parties: 2, seed: 17), b = Committee(context: Self.context, parties: 2, seed: 18)
        XCTAssertNotEqual(a.publicKey.keyID, b.publicKey.keyID)
        XCTAssertEqual(a.publicKey.keyID, Committee(context: Self.context, parties: 2, seed: 17).publicKey.keyID)
    }
}
