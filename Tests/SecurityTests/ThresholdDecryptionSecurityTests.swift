import Foundation
import XCTest
import Randomness
@testable import HomomorphicEncryption

/// What the honest-but-curious aggregator (and any single client) can and cannot learn from
/// threshold CKKS: ciphertexts plus fewer than all decryption shares reveal nothing close to the
/// plaintext, no key share alone decrypts, and the smudging noise has the stated size.
final class ThresholdDecryptionSecurityTests: XCTestCase {
    static let context = HEContext(parameters: try! .standard(scheme: .ckks, ringDegree: 8192))

    struct Setup {
        let shares: [SecretKey]
        let publicKey: PublicKey
        let values: [Double]
        let ciphertext: Ciphertext
    }

    /// K parties' key shares of `secrets` secrets each (streams `party/i`) and their collective key.
    static func committee(parties: Int, secrets: Int = 1, seed: UInt64) throws -> (shares: [SecretKey], publicKey: PublicKey) {
        let context = Self.context
        let streams = RandomStreams(seed: seed)
        let generation = CollectivePublicKeyGeneration(context: context, crs: CommonReferencePolynomial(context: context, seed: streams.key("crs")))
        var shares: [SecretKey] = [], keyShares: [PublicKeyShare] = []
        for i in 0..<parties {
            var rng = streams.generator("party/\(i)")
            let s = SecretKey(context: context, secrets: secrets, rng: &rng)
            shares.append(s)
            keyShares.append(generation.generateShare(secretKeyShare: s, rng: &rng))
        }
        return (shares, generation.finalize(try generation.aggregate(keyShares)))
    }

    static func setup(parties: Int, seed: UInt64) throws -> Setup {
        let context = Self.context
        let (shares, publicKey) = try committee(parties: parties, seed: seed)
        var rng = RandomStreams(seed: seed).generator("data")
        let values = (0..<4096).map { _ in rng.nextUnitDouble() * 2 - 1 }
        // A scale that leaves room above the smudging noise (≈ 2^75 for these parties), as HEVectorCodec chooses.
        let pt = try CKKSEncoder(context: context).encode(values, scale: 0x1p100)
        let ct = context.encrypt(message: pt.polynomial, scale: pt.scale, publicKey: publicKey, rng: &rng)
        return Setup(shares: shares, publicKey: publicKey, values: values, ciphertext: ct)
    }

    /// Fraction of slots within `tolerance` of the plaintext, and the Pearson correlation.
    static func closeness(_ decoded: [Double], _ values: [Double], tolerance: Double) -> (fraction: Double, correlation: Double) {
        let close = zip(decoded, values).filter { abs($0 - $1) < tolerance }.count
        let n = Double(values.count)
        let mx = decoded.reduce(0, +) / n, my = values.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (x, y) in zip(decoded, values) { sxy += (x - mx) * (y - my); sxx += (x - mx) * (x - mx); syy += (y - my) * (y - my) }
        return (Double(close) / n, sxy / sqrt(sxx * syy))
    }

    func testAggregatorWithAllButOneShareLearnsNothingCloseToThePlaintext() throws {
        let context = Self.context
        let setup = try Self.setup(parties: 4, seed: 41)
        let threshold = ThresholdDecryption(context: context)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 42, count: 32))
        let shares = setup.shares.map { threshold.generateShare(ciphertext: setup.ciphertext, secretKeyShare: $0, rng: &rng) }
        let encoder = try CKKSEncoder(context: context)
        // Sanity: with every share the plaintext comes back.
        let full = try threshold.finalize(ciphertext: setup.ciphertext, aggregate: try threshold.aggregate(shares))
        XCTAssertGreaterThan(Self.closeness(encoder.decode(full, scale: setup.ciphertext.scale), setup.values, tolerance: 1e-3).fraction, 0.99)
        // Any three of four: the missing s_j·c1 masks everything.
        for missing in 0..<4 {
            var partial = shares
            partial.remove(at: missing)
            let aggregate = try threshold.aggregate(partial)
            XCTAssertThrowsError(try threshold.finalize(ciphertext: setup.ciphertext, aggregate: aggregate))
            let view = encoder.decode(threshold.combine(ciphertext: setup.ciphertext, aggregate: aggregate), scale: setup.ciphertext.scale)
            let (fraction, correlation) = Self.closeness(view, setup.values, tolerance: 0.1)
            XCTAssertLessThan(fraction, 0.01, "missing party \(missing)")
            XCTAssertLessThan(abs(correlation), 0.1, "missing party \(missing)")
        }
        // The ciphertext alone (no shares): c0 decoded is unrelated to the values too.
        var c0 = setup.ciphertext.c0
        context.inverseNTT(&c0)
        let (fraction, correlation) = Self.closeness(encoder.decode(c0, scale: setup.ciphertext.scale), setup.values, tolerance: 0.1)
        XCTAssertLessThan(fraction, 0.01)
        XCTAssertLessThan(abs(correlation), 0.1)
    }

    func testNoSingleKeyShareDecrypts() throws {
        let setup = try Self.setup(parties: 3, seed: 43)
        let encoder = try CKKSEncoder(context: Self.context)
        for share in setup.shares {
            let decoded = encoder.decrypt(setup.ciphertext, secretKey: share)
            let (fraction, correlation) = Self.closeness(decoded, setup.values, tolerance: 0.1)
            XCTAssertLessThan(fraction, 0.01)
            XCTAssertLessThan(abs(correlation), 0.1)
        }
    }

    func testSmudgingNoiseHasTheStatedSizeAndDistribution() throws {
        let context = Self.context
        let setup = try Self.setup(parties: 2, seed: 45)
        let threshold = ThresholdDecryption(context: context)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 46, count: 32))
        let share = threshold.generateShare(ciphertext: setup.ciphertext, secretKeyShare: setup.shares[0], rng: &rng)
        // b = ⌈log2 B⌉ + λ + log2 N + 1 with B the ciphertext's worst-case noise bound.
        let bound = setup.ciphertext.noiseBound
        XCTAssertEqual(bound, 2 * 8192 * 19 * 2 + 19)
        let b = share.smudgingBits
        XCTAssertEqual(b, Int(log2(bound).rounded(.up)) + 40 + 13 + 1)
        // Statistical distance N·B/2^b ≤ 2^−41.
        XCTAssertLessThanOrEqual(8192 * bound / pow(2, Double(b)), pow(2, -41))
        // Recover E = h − s·c1 (the test knows s) and check range and spread against uniform on [−2^(b−1), 2^(b−1)).
        var noise = share.polynomial
        var sc1 = RNSPolynomial(degree: 8192, limbCount: share.polynomial.limbCount, isNTTForm: true)
        context.multiplyAdd(&sc1, setup.ciphertext.c1, setup.shares[0].polynomial)
        context.subtract(&noise, sc1)
        context.inverseNTT(&noise)
        let e = context.liftCentred(noise)
        let half = pow(2, Double(b - 1))
        XCTAssertLessThanOrEqual(e.map(abs).max()!, half)
        XCTAssertGreaterThan(e.map(abs).max()!, 0.99 * half)
        let std = sqrt(e.map { $0 * $0 }.reduce(0, +) / Double(e.count))
        XCTAssertEqual(std / (half / sqrt(3)), 1, accuracy: 0.03)
        // The flooding dwarfs the ciphertext's own noise by 2^λ: the decryption error seen after
        // combining is dominated by smudging, not by anything the secret key shaped.
        XCTAssertGreaterThan(half, pow(2, 40) * bound)
    }
}
