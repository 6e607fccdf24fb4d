import Foundation
import XCTest
import Randomness
@testable import HomomorphicEncryption

/// The compact wire forms (issue 16) against the smudging rule that `he_security` audits,
/// b ≥ ⌈log2 B⌉ + 40 + log2 N + 1: the noise bound B the compact shares are sized from is a true
/// bound on the aggregate's measured decryption noise, compression included, and an upload
/// compressed harder than the layout — whose rounding the smudging would no longer flood — is
/// refused before it reaches the aggregate.
final class CompactShareSmudgingSecurityTests: XCTestCase {
    static let context = ThresholdDecryptionSecurityTests.context

    func codec(parties: Int) throws -> HEVectorCodec {
        try HEVectorCodec(context: Self.context, mode: .threshold, parties: parties, maximumTotalWeight: parties, valueBound: 1)
    }

    /// Measured with the joint secret (only a test may form it): e = c0 + c1·s − Σ_k ⌊Δ·x_k⌉,
    /// exactly in RNS, then lifted; its size stays within the tracked bound plus c0's rounding, and
    /// every compact share's smudging meets the audited rule for that bound.
    func testCompactSharesFloodTheMeasuredNoiseOfCompactUploads() throws {
        let context = Self.context
        let setup = try ThresholdDecryptionSecurityTests.setup(parties: 4, seed: 61)
        let codec = try codec(parties: 4)
        let layout = try XCTUnwrap(codec.compact)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 62, count: 32))
        let inputs = (0..<4).map { _ in (0..<8192).map { _ in Float(rng.nextUnitDouble() * 2 - 1) } }
        let received = try inputs.map { try codec.receive(codec.wireForm(of: try codec.encrypt($0, publicKey: setup.publicKey, rng: &rng)), count: 8192) }
        let sum = try codec.weightedSum(received)
        let ct = sum.ciphertexts[0]

        var secret = setup.shares[0].polynomial
        for s in setup.shares.dropFirst() { context.add(&secret, s.polynomial) }
        var noisy = ct.c0
        context.multiplyAdd(&noisy, ct.c1, secret)
        context.inverseNTT(&noisy)
        let encoding = try CKKSCoefficientEncoding(context: context)
        for x in inputs { context.subtract(&noisy, try encoding.encode(x[...], scale: codec.scale).polynomial) }
        let measured = context.liftCentred(noisy).map(abs).max()!
        let c0Rounding = 4 * context.compressionError(width: layout.messageWidth, limbs: 3)
        XCTAssertLessThanOrEqual(measured, ct.noiseBound + c0Rounding, "measured 2^\(log2(measured)), bound 2^\(log2(ct.noiseBound + c0Rounding))")
        XCTAssertGreaterThan(ct.noiseBound, 4 * 8192 * 4 * context.compressionError(width: layout.ciphertextWidth, limbs: 3),
                             "the bound counts every upload's c1 rounding times ‖s‖₁ ≤ N·K")

        let shares = try setup.shares.map { try codec.receiveDecryptionShares(codec.wireDecryptionShares(of: sum, secretKeyShare: $0, rng: &rng)) }
        let required = Int(log2(ct.noiseBound).rounded(.up)) + 40 + 13 + 1
        for share in shares.joined() { XCTAssertGreaterThanOrEqual(share.smudgingBits, required) }
        XCTAssertEqual(shares[0][0].smudgingBits, layout.smudgingBits, "a full-weight sum carries the smudging the layout was sized for")
    }

    /// The attack: a client saves bytes by sending c1 with 8 bits fewer than the layout. Its
    /// rounding, N·K·ρ(w1 − 8) per upload, would need more smudging than the layout's shares
    /// carry; the aggregator's parser refuses it, so it never enters the sum.
    func testAnUploadCompressedBelowTheLayoutIsRefusedBeforeTheSum() throws {
        let context = Self.context
        let setup = try ThresholdDecryptionSecurityTests.setup(parties: 4, seed: 63)
        let codec = try codec(parties: 4)
        let layout = try XCTUnwrap(codec.compact)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 64, count: 32))
        let vector = try codec.encrypt((0..<8192).map { _ in Float(rng.nextUnitDouble() * 2 - 1) }, publicKey: setup.publicKey, rng: &rng)
        let greedy = CompactLayout(ciphertextWidth: layout.ciphertextWidth - 8, messageWidth: layout.messageWidth, shareWidth: layout.shareWidth,
                                   smudgingBits: layout.smudgingBits, aggregateNoiseBound: layout.aggregateNoiseBound, errorBound: layout.errorBound)
        let blob = CompactWire.serialize(vector.ciphertexts[0], count: 8192, layout: greedy, context: context)
        XCTAssertLessThan(blob.count, codec.serializedByteCount(forValues: 8192))
        let rounding = 4 * 8192 * 4 * context.compressionError(width: greedy.ciphertextWidth, limbs: 3)
        XCTAssertGreaterThan(Int(log2(rounding).rounded(.up)) + 40 + 13 + 1, layout.smudgingBits,
                             "its noise would outgrow the smudging every share carries")
        XCTAssertThrowsError(try codec.receive([blob], count: 8192)) {
            guard case .overCompressed(field: "c1", let width, let minimum) = $0 as? HESerializationError else { return XCTFail("\($0)") }
            XCTAssertEqual(width, layout.ciphertextWidth - 8)
            XCTAssertEqual(minimum, layout.ciphertextWidth)
        }
    }
}
