import Foundation
import XCTest
import Randomness
@testable import HomomorphicEncryption

/// Packed uploads (k ciphertexts sharing one c1 under a k-secret collective key, PVW 2008)
/// against the smudging rule that `he_security` audits, b ≥ ⌈log2 B⌉ + 40 + log2 N + 1: for every
/// member j of a packed aggregate, the noise bound B its shares are sized from is a true bound on
/// its measured decryption noise under s_j, compression included; every share carries that
/// smudging; and all but one party's shares of a member reveal nothing close to its values.
final class PackedShareSmudgingSecurityTests: XCTestCase {
    static let context = ThresholdDecryptionSecurityTests.context

    static func committee(parties: Int, secrets: Int, seed: UInt64) throws -> (shares: [SecretKey], publicKey: PublicKey) {
        try ThresholdDecryptionSecurityTests.committee(parties: parties, secrets: secrets, seed: seed)
    }

    /// Measured with the joint secrets (only a test may form them): e_j = c0_j + c1·s_j − Σ_k ⌊Δ·x_{k,j}⌉.
    func testSharesOfEveryPackedMemberFloodItsMeasuredNoise() throws {
        let context = Self.context
        let parties = 4
        let committee = try Self.committee(parties: parties, secrets: 2, seed: 81)
        let codec = try HEVectorCodec(context: context, mode: .threshold, parties: parties, maximumTotalWeight: parties, valueBound: 1, secretsPerKey: 2)
        let oneSecret = try HEVectorCodec(context: context, mode: .threshold, parties: parties, maximumTotalWeight: parties, valueBound: 1)
        let layout = try XCTUnwrap(codec.compact)
        XCTAssertEqual(layout, oneSecret.compact, "packing changes no bound, so the audited smudging is the same")
        var rng = ChaCha20Generator(key: [UInt8](repeating: 82, count: 32))
        let count = 2 * 8192
        let inputs = (0..<parties).map { _ in (0..<count).map { _ in Float(rng.nextUnitDouble() * 2 - 1) } }
        let received = try inputs.map { try codec.receive(codec.wireForm(of: try codec.encrypt($0, publicKey: committee.publicKey, rng: &rng)), count: count) }
        let sum = try codec.weightedSum(received)
        XCTAssertEqual(sum.ciphertexts[0].c1, sum.ciphertexts[1].c1)
        let encoding = try CKKSCoefficientEncoding(context: context)
        let shares = try committee.shares.map { try codec.receiveDecryptionShares(codec.wireDecryptionShares(of: sum, secretKeyShare: $0, rng: &rng)) }
        for j in 0..<2 {
            let ct = sum.ciphertexts[j]
            XCTAssertEqual(ct.keyIndex, j)
            var secret = committee.shares[0].polynomials[j]
            for s in committee.shares.dropFirst() { context.add(&secret, s.polynomials[j]) }
            var noisy = ct.c0
            context.multiplyAdd(&noisy, ct.c1, secret)
            context.inverseNTT(&noisy)
            for x in inputs { context.subtract(&noisy, try encoding.encode(x[(j * 8192)..<((j + 1) * 8192)], scale: codec.scale).polynomial) }
            let measured = context.liftCentred(noisy).map(abs).max()!
            let c0Rounding = Double(parties) * context.compressionError(width: layout.messageWidth, limbs: 3)
            XCTAssertLessThanOrEqual(measured, ct.noiseBound + c0Rounding, "member \(j): measured 2^\(log2(measured)), bound 2^\(log2(ct.noiseBound + c0Rounding))")
            let required = Int(log2(ct.noiseBound).rounded(.up)) + 40 + 13 + 1
            for party in shares { XCTAssertGreaterThanOrEqual(party[j].smudgingBits, required, "member \(j)") }
            XCTAssertEqual(shares[0][j].smudgingBits, layout.smudgingBits)
        }
        // The wrong secret does not decrypt a member: c0_1 + c1·s_0 is noise-sized garbage.
        var wrong = sum.ciphertexts[1].c0
        var s0 = committee.shares[0].polynomials[0]
        for s in committee.shares.dropFirst() { context.add(&s0, s.polynomials[0]) }
        context.multiplyAdd(&wrong, sum.ciphertexts[1].c1, s0)
        context.inverseNTT(&wrong)
        let garbage = encoding.decode(wrong, scale: codec.scale, count: 8192)
        let truth = (0..<8192).map { i in inputs.reduce(0.0) { $0 + Double($1[8192 + i]) } }
        XCTAssertLessThan(ThresholdDecryptionSecurityTests.closeness(garbage, truth, tolerance: 1e-2).fraction, 0.01)
    }

    /// All parties but one: the missing s_{i,j}·c1 masks member j, though c1 is shared.
    func testAllButOnePartysSharesOfAPackedMemberRevealNothingClose() throws {
        let context = Self.context
        let committee = try Self.committee(parties: 3, secrets: 2, seed: 83)
        let codec = try HEVectorCodec(context: context, mode: .threshold, parties: 3, maximumTotalWeight: 3, valueBound: 1, secretsPerKey: 2)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 84, count: 32))
        let values = (0..<(2 * 8192)).map { _ in Float(rng.nextUnitDouble() * 2 - 1) }
        let vector = try codec.receive(codec.wireForm(of: try codec.encrypt(values, publicKey: committee.publicKey, rng: &rng)), count: values.count)
        let shares = try committee.shares.map { try codec.receiveDecryptionShares(codec.wireDecryptionShares(of: vector, secretKeyShare: $0, rng: &rng)) }
        let threshold = codec.threshold
        let encoding = try CKKSCoefficientEncoding(context: context)
        let truth = values[8192...].map(Double.init)
        for missing in 0..<3 {
            let partial = try threshold.aggregate(shares.enumerated().filter { $0.offset != missing }.map { $0.element[1] })
            let decoded = encoding.decode(threshold.combine(ciphertext: vector.ciphertexts[1], aggregate: partial), scale: codec.scale, count: 8192)
            XCTAssertLessThan(ThresholdDecryptionSecurityTests.closeness(decoded, truth, tolerance: 1e-2).fraction, 0.01, "party \(missing) missing")
        }
        let all = try threshold.aggregate(shares.map { $0[1] })
        let decoded = encoding.decode(try threshold.finalize(ciphertext: vector.ciphertexts[1], aggregate: all), scale: codec.scale, count: 8192)
        XCTAssertGreaterThan(ThresholdDecryptionSecurityTests.closeness(decoded, truth, tolerance: 1e-3).fraction, 0.99)
    }
}
