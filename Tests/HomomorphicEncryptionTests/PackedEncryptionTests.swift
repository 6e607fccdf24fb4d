import XCTest
import Randomness
@testable import HomomorphicEncryption

/// Packed threshold aggregation (issue 16): k ciphertexts share one c1 under a k-secret
/// collective key, the compact upload carries c1 once per group, and the decrypted aggregate
/// matches the plaintext weighted sum — computed here in Double, independently of the HE code —
/// within the codec's stated worst-case bound. Blobs of another k or grouping, truncated or
/// over-compressed ones are refused at parse.
final class PackedEncryptionTests: XCTestCase {
    static let context = CompactWireTests.ckks

    func codec(parties: Int, weight: Int, secrets: Int, mode: HEDecryptionMode = .threshold) throws -> HEVectorCodec {
        try HEVectorCodec(context: Self.context, mode: mode, parties: parties, maximumTotalWeight: weight, valueBound: 1,
                          precisionBits: 20, secretsPerKey: secrets)
    }

    /// 3 ciphertexts under k = 2: groups {0, 1} and {2} (a partial last group), uploads by
    /// bytes, sum, download, shares from the download, decryption against the plaintext.
    func testPackedThresholdAggregateMatchesThePlaintextSumWithinTheStatedBound() throws {
        let context = Self.context
        let committee = Committee(context: context, parties: 3, secrets: 2, seed: 71)
        let codec = try codec(parties: 3, weight: 6, secrets: 2)
        let single = try self.codec(parties: 3, weight: 6, secrets: 1)
        XCTAssertEqual(codec.compact, single.compact, "the per-message bound does not depend on k")
        let layout = try XCTUnwrap(codec.compact)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 72, count: 32))
        let count = 2 * 8192 + 700
        XCTAssertEqual(codec.groups(forValues: count), [0..<2, 2..<3])
        let inputs = (0..<3).map { _ in (0..<count).map { _ in Float(rng.nextUnitDouble() * 2 - 1) } }
        let weights = [1, 2, 3]
        var uploadBytes = 0
        let received = try inputs.map { values -> EncryptedVector in
            let vector = try codec.encrypt(values, publicKey: committee.publicKey, rng: &rng, threads: 2)
            XCTAssertEqual(vector.ciphertexts.map(\.keyIndex), [0, 1, 0])
            XCTAssertEqual(vector.ciphertexts[0].c1, vector.ciphertexts[1].c1, "one u, one c1 per group")
            let wire = codec.wireForm(of: vector)
            XCTAssertEqual(wire.count, 2)
            uploadBytes = wire.reduce(0) { $0 + $1.count }
            return try codec.receive(wire, count: count)
        }
        XCTAssertEqual(uploadBytes, codec.serializedByteCount(forValues: count))
        XCTAssertEqual(single.serializedByteCount(forValues: count) - uploadBytes, CompactWire.groupByteCount(context: context, layout: layout, counts: []),
                       "exactly one c1 and one group header saved")
        let sum = try codec.weightedSum(received, weights: weights, threads: 2)
        let download = codec.wireDownload(of: sum)
        XCTAssertEqual(download.count, 2)
        let downloaded = try codec.receiveDownload(download, count: count)
        let shares = try committee.shares.map { try codec.receiveDecryptionShares(codec.wireDecryptionShares(of: downloaded, secretKeyShare: $0, rng: &rng, threads: 2)) }
        XCTAssertEqual(shares[0].count, 3, "one share per ciphertext, as with one secret")
        let mean = try codec.decrypt(sum, shares: shares, divisor: 6, threads: 2)
        let bound = try XCTUnwrap(codec.valueErrorBound) / 6 + pow(2, -21)
        XCTAssertLessThanOrEqual(bound, 1e-6)
        let worst = CompactWireTests.worstError(mean, inputs: inputs, weights: weights, divisor: 6)
        XCTAssertLessThanOrEqual(worst, bound)
        XCTAssertGreaterThan(worst, 0, "a real decryption, not a copy")
        XCTAssertThrowsError(try codec.decrypt(sum, shares: Array(shares.dropLast()), divisor: 6)) {
            guard case .missingShares = $0 as? MultipartyError else { return XCTFail("\($0)") }
        }
        // A share of member 0 does not pass for member 1, though they share c1.
        var swapped = shares
        swapped[0].swapAt(0, 1)
        XCTAssertThrowsError(try codec.decrypt(sum, shares: swapped, divisor: 6)) {
            guard case .ciphertextMismatch = $0 as? MultipartyError else { return XCTFail("\($0)") }
        }
    }

    /// Share-holders (DP + HE + MPC) re-share every secret of the key; their shares decrypt.
    func testShareHoldersOfAPackedKeyDecryptTheAggregate() throws {
        let committee = Committee(context: Self.context, parties: 3, secrets: 2, seed: 73)
        let (decoded, inputs, bound) = try CompactWireTests.shareHoldersDecrypt(shares: committee.shares, publicKey: committee.publicKey,
                                                                                 count: 9000, seed: 74)
        XCTAssertLessThanOrEqual(CompactWireTests.worstError(decoded, inputs: inputs, weights: [1, 1, 1], divisor: 3), bound)
        // A fragment of a two-secret key does not fit a one-secret share-holder key.
        let resharing = SecretKeyResharing(context: Self.context, holders: 2)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 79, count: 32))
        var oneSecret = HolderKeyShare(context: Self.context, holder: 0, holders: 2)
        XCTAssertThrowsError(try oneSecret.receive(resharing.split(committee.shares[0], rng: &rng)[0], resharing: resharing)) {
            guard case .secretCountMismatch(expected: 1, found: 2) = $0 as? MultipartyError else { return XCTFail("\($0)") }
        }
    }

    func testBlobsOfAnotherKOrGroupingTruncatedOrOverCompressedAreRefusedAtParse() throws {
        let context = Self.context
        let committee = Committee(context: context, parties: 2, secrets: 3, seed: 75)
        let codec = try codec(parties: 2, weight: 2, secrets: 3)
        let layout = try XCTUnwrap(codec.compact)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 76, count: 32))
        let count = 8192 + 100
        let vector = try codec.encrypt((0..<count).map { _ in Float(rng.nextUnitDouble() * 2 - 1) }, publicKey: committee.publicKey, rng: &rng)
        let blob = codec.wireForm(of: vector)
        XCTAssertEqual(blob.count, 1)
        XCTAssertEqual(blob[0][4], HESerialization.compactVersion)
        XCTAssertNoThrow(try codec.receive(blob, count: count))
        func refused(_ bytes: [UInt8], by receiver: HEVectorCodec? = nil, count: Int = count, _ check: (Error) -> Bool, _ what: String) {
            XCTAssertThrowsError(try (receiver ?? codec).receive([bytes], count: count), what) { XCTAssertTrue(check($0), "\(what): \($0)") }
        }
        func invalid(_ e: Error) -> Bool { if case .invalidField = e as? HESerializationError { return true }; return false }
        refused(Array(blob[0].dropLast()), { if case .truncated = $0 as? HESerializationError { return true }; return false }, "one byte short")
        refused(blob[0] + [0], { if case .trailingBytes(1) = $0 as? HESerializationError { return true }; return false }, "one byte too many")
        // A receiver whose key has another k: the c0's would meet the wrong secrets.
        refused(blob[0], by: try self.codec(parties: 2, weight: 2, secrets: 2), invalid, "k = 3 blob at a k = 2 receiver")
        refused(blob[0], by: try self.codec(parties: 2, weight: 2, secrets: 4), invalid, "k = 3 blob at a k = 4 receiver")
        // The k byte rewritten: refused as well, whatever the sender claims.
        let kOffset = HESerialization.commonHeader + 1 + 1 + 8 + 8 + 4 + 1 + 1
        var claimed = blob[0]
        XCTAssertEqual(claimed[kOffset], 3)
        claimed[kOffset] = 2
        refused(claimed, invalid, "k byte rewritten")
        var members = blob[0]
        members[kOffset + 1] = 1
        refused(members, invalid, "a group of one where two belong")
        refused(blob[0], count: 8192, invalid, "another value count")
        // Over-compressed c1 and c0 of a group.
        let tighter = CompactLayout(ciphertextWidth: layout.ciphertextWidth - 1, messageWidth: layout.messageWidth, shareWidth: layout.shareWidth,
                                    smudgingBits: layout.smudgingBits, aggregateNoiseBound: layout.aggregateNoiseBound, errorBound: layout.errorBound)
        let counts = [8192, 100]
        refused(CompactWire.serialize(group: vector.ciphertexts, counts: counts, secrets: 3, layout: tighter, context: context),
                { if case .overCompressed(field: "c1", _, _) = $0 as? HESerializationError { return true }; return false }, "c1 one bit short")
        let c0Tighter = CompactLayout(ciphertextWidth: layout.ciphertextWidth, messageWidth: layout.messageWidth - 1, shareWidth: layout.shareWidth,
                                      smudgingBits: layout.smudgingBits, aggregateNoiseBound: layout.aggregateNoiseBound, errorBound: layout.errorBound)
        refused(CompactWire.serialize(group: vector.ciphertexts, counts: counts, secrets: 3, layout: c0Tighter, context: context),
                { if case .overCompressed(field: "c0", _, _) = $0 as? HESerializationError { return true }; return false }, "c0 one bit short")
        // Downloads: another k, truncated.
        let download = codec.wireDownload(of: vector)
        XCTAssertEqual(download[0].count, CompactWire.downloadByteCount(context: context, layout: layout))
        XCTAssertNoThrow(try codec.receiveDownload(download, count: count))
        XCTAssertThrowsError(try self.codec(parties: 2, weight: 2, secrets: 2).receiveDownload(download, count: count)) { XCTAssertTrue(invalid($0), "\($0)") }
        XCTAssertThrowsError(try codec.receiveDownload([Array(download[0].dropLast())], count: count)) {
            guard case .truncated = $0 as? HESerializationError else { return XCTFail("\($0)") }
        }
        // Encrypting under a key of another k is refused before anything is sent.
        XCTAssertThrowsError(try self.codec(parties: 2, weight: 2, secrets: 2).encrypt([0.5], publicKey: committee.publicKey, rng: &rng)) {
            guard case .invalidArgument = $0 as? HECodecError else { return XCTFail("\($0)") }
        }
    }

    /// The key material of a k-secret key: public key and key share round-trip (kinds 11 and
    /// 12), their k is checked, and a one-secret key keeps its kinds 1 and 4 byte for byte.
    func testMultiSecretKeyMaterialRoundTripsAndItsKIsChecked() throws {
        let context = Self.context
        let committee = Committee(context: context, parties: 2, secrets: 3, seed: 77)
        let bytes = HESerialization.serialize(committee.publicKey, context: context)
        XCTAssertEqual(bytes[5], 11)
        XCTAssertEqual(bytes.count, HESerialization.publicKeyByteCount(context: context, secrets: 3))
        let back = try HESerialization.deserializePublicKey(bytes, context: context)
        XCTAssertEqual(back, committee.publicKey)
        XCTAssertEqual(back.keyID, committee.publicKey.keyID)
        XCTAssertEqual(back.secretCount, 3)
        XCTAssertThrowsError(try HESerialization.deserializePublicKey(Array(bytes.dropLast()), context: context))
        var badK = bytes
        badK[HESerialization.commonHeader + 4 + 8] = 1
        XCTAssertThrowsError(try HESerialization.deserializePublicKey(badK, context: context)) {
            guard case .invalidField = $0 as? HESerializationError else { return XCTFail("\($0)") }
        }
        badK[HESerialization.commonHeader + 4 + 8] = UInt8(HEContext.maximumSecretsPerKey + 1)
        XCTAssertThrowsError(try HESerialization.deserializePublicKey(badK, context: context))
        let generation = CollectivePublicKeyGeneration(context: context, crs: CommonReferencePolynomial(context: context, seed: [UInt8](repeating: 1, count: 32)))
        var rng = ChaCha20Generator(key: [UInt8](repeating: 78, count: 32))
        let share = generation.generateShare(secretKeyShare: committee.shares[0], rng: &rng)
        XCTAssertEqual(try HESerialization.deserializePublicKeyShare(HESerialization.serialize(share, context: context), context: context), share)
        let one = generation.generateShare(secretKeyShare: SecretKey(context: context, rng: &rng), rng: &rng)
        XCTAssertEqual(HESerialization.serialize(one, context: context)[5], 4, "one secret: kind 4 as before")
        XCTAssertThrowsError(try generation.aggregate([share, one])) {
            guard case .secretCountMismatch(expected: 3, found: 1) = $0 as? MultipartyError else { return XCTFail("\($0)") }
        }
        // Single-key decryption of a packed ciphertext uses s_j: each member decrypts to its own message.
        let single = SecretKey(context: context, secrets: 2, rng: &rng)
        let key = PublicKey(secretKey: single, context: context, rng: &rng)
        let encoding = try CKKSCoefficientEncoding(context: context)
        let messages = try [[Float](repeating: 0.25, count: 8), [Float](repeating: -0.5, count: 8)].map { try encoding.encode($0[...], scale: 0x1p40).polynomial }
        let cts = context.encrypt(messages: messages, scale: 0x1p40, publicKey: key, rng: &rng)
        for (j, expected) in [0.25, -0.5].enumerated() {
            let decoded = encoding.decode(context.decryptToPolynomial(cts[j], secretKey: single), scale: 0x1p40, count: 8)
            for v in decoded { XCTAssertEqual(v, expected, accuracy: 1e-6) }
        }
    }
}
