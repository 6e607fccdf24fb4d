import XCTest
import Randomness
@testable import HomomorphicEncryption

/// The compact forms of issue 16: coefficients compressed to their top bits decrypt to the
/// plaintext within the codec's stated worst-case bound, and malformed, truncated or
/// over-compressed blobs are refused when they are parsed.
final class CompactWireTests: XCTestCase {
    static let ckks = HEContext(parameters: try! .standard(scheme: .ckks, ringDegree: 8192))

    /// max_j |decoded_j − Σ_k w_k·x_{k,j} / divisor|, the reference computed in Double from the
    /// plaintext inputs alone (independent of the HE code).
    static func worstError(_ decoded: [Double], inputs: [[Float]], weights: [Int], divisor: Double) -> Double {
        var worst = 0.0
        for j in decoded.indices {
            let expected = zip(inputs, weights).reduce(0.0) { $0 + Double($1.0[j]) * Double($1.1) } / divisor
            worst = max(worst, abs(decoded[j] - expected))
        }
        return worst
    }

    /// Against an independent computation in Double: y = ⌊x·2^w/Q⌉ mod 2^w for the centred x, and
    /// the read-back x' within `compressionError` of x (exact CRT lift of x' − x).
    func testCompressionMatchesTheTopBitsAndRoundTripsWithinItsBound() throws {
        let context = Self.ckks, n = context.degree
        var rng = ChaCha20Generator(key: [UInt8](repeating: 41, count: 32))
        var x = RNSPolynomial(degree: n, limbCount: 3, isNTTForm: true)
        RLWESampling.uniform(into: &x, moduli: context.moduli, rng: &rng)
        x.isNTTForm = false
        let centred = context.liftCentred(x)
        let logQ = context.logModulus(limbs: 3)
        for width in [20, 40, 63, 64, 65, 100, 124] {
            let y = context.compress(x, width: width, count: n)
            if width <= 40 {
                for j in stride(from: 0, to: n, by: 7) {
                    let t = centred[j] * pow(2, Double(width) - logQ)  // x/Q·2^w, x centred
                    var expected = t.rounded()
                    if expected < 0 { expected += pow(2, Double(width)) }
                    if abs(t - t.rounded(.down) - 0.5) > 1e-3 { XCTAssertEqual(Double(y[j]), expected, "width \(width), coefficient \(j)") }
                }
            }
            XCTAssertTrue(y.allSatisfy { $0 >> UInt128(width) == 0 })
            var back = context.decompress(y, width: width, limbs: 3)
            XCTAssertEqual(context.compress(back, width: width, count: n), y, "compression of a read-back value is exact")
            context.subtract(&back, x)
            let worst = context.liftCentred(back).map(abs).max()!
            XCTAssertLessThanOrEqual(worst, context.compressionError(width: width, limbs: 3), "width \(width)")
            XCTAssertGreaterThan(worst, 0.25 * pow(2, logQ - Double(width)), "width \(width): the bound is not loose by more than 2×")
        }
    }

    func testCompactThresholdCKKSAggregateMatchesPlaintextWithinTheStatedBound() throws {
        let context = Self.ckks
        let committee = Committee(context: context, parties: 4, seed: 43)
        let codec = try HEVectorCodec(context: context, mode: .threshold, parties: 4, maximumTotalWeight: 8, valueBound: 1, precisionBits: 20)
        let layout = try XCTUnwrap(codec.compact)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 44, count: 32))
        let count = 8192 + 1000  // one full ciphertext and one that the decoder reads only in part
        let inputs = (0..<3).map { _ in (0..<count).map { _ in Float(rng.nextUnitDouble() * 2 - 1) } }
        let weights = [1, 3, 4]
        var uploadBytes = 0
        let received = try inputs.map { values -> EncryptedVector in
            let wire = codec.wireForm(of: try codec.encrypt(values, publicKey: committee.publicKey, rng: &rng, threads: 2))
            uploadBytes = wire.reduce(0) { $0 + $1.count }
            return try codec.receive(wire, count: count)
        }
        XCTAssertEqual(uploadBytes, codec.serializedByteCount(forValues: count))
        let full = 2 * HESerialization.ciphertextByteCount(context: context, limbs: 3)
        XCTAssertLessThan(Double(uploadBytes), 0.5 * Double(full), "compact upload: \(uploadBytes) bytes, full form \(full) (\(layout))")
        let sum = try codec.weightedSum(received, weights: weights, threads: 2)
        let wire = committee.shares.map { codec.wireDecryptionShares(of: sum, secretKeyShare: $0, rng: &rng, threads: 2) }
        XCTAssertEqual(wire[0].reduce(0) { $0 + $1.count }, codec.decryptionShareByteCount(of: sum))
        let shares = try wire.map { try codec.receiveDecryptionShares($0) }
        XCTAssertTrue(shares.joined().allSatisfy { $0.smudgingBits >= ThresholdDecryption(context: context).smudgingBits(noiseBound: sum.ciphertexts[0].noiseBound) })
        let mean = try codec.decrypt(sum, shares: shares, divisor: 8, threads: 2)
        let bound = try XCTUnwrap(codec.valueErrorBound) / 8 + pow(2, -21)
        XCTAssertLessThanOrEqual(bound, 1e-6)
        XCTAssertLessThanOrEqual(Self.worstError(mean, inputs: inputs, weights: weights, divisor: 8), bound)
        // Every party is still needed.
        XCTAssertThrowsError(try codec.decrypt(sum, shares: Array(shares.dropLast()), divisor: 8)) {
            guard case .missingShares = $0 as? MultipartyError else { return XCTFail("\($0)") }
        }
    }

    /// BFV at N = 4096 (109-bit Q, t of 30 bits): compact and still exact. (At N = 8192 the 179-bit
    /// Q needs more than the 124 bits of c1 the compression supports, and the codec sends full
    /// residues: `MultipartyTests.testThresholdBFVAggregateIsExactFixedPoint`.)
    func testCompactThresholdBFVAggregateIsExactFixedPoint() throws {
        let context = HEContext(parameters: try .standard(scheme: .bfv, ringDegree: 4096))
        let committee = Committee(context: context, parties: 3, seed: 45)
        let codec = try HEVectorCodec(context: context, mode: .threshold, parties: 3, maximumTotalWeight: 4, valueBound: 8, precisionBits: 20)
        XCTAssertNotNil(codec.compact)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 46, count: 32))
        let updates = (0..<3).map { _ in (0..<9000).map { _ in Float(rng.nextUnitDouble() * 16 - 8) } }
        let weights = [1, 2, 1]
        var uploadBytes = 0
        let received = try updates.map { values -> EncryptedVector in
            let wire = codec.wireForm(of: try codec.encrypt(values, publicKey: committee.publicKey, rng: &rng))
            uploadBytes = wire.reduce(0) { $0 + $1.count }
            return try codec.receive(wire, count: 9000)
        }
        XCTAssertLessThan(uploadBytes, 3 * HESerialization.ciphertextByteCount(context: context, limbs: 2) * 3 / 4)
        let total = try codec.weightedSum(received, weights: weights)
        let shares = try committee.shares.map { try codec.receiveDecryptionShares(codec.wireDecryptionShares(of: total, secretKeyShare: $0, rng: &rng)) }
        let mean = try codec.decrypt(total, shares: shares, divisor: 4)
        let grid = 0x1p20
        for j in 0..<9000 {
            let fixed = (0..<3).map { Double(weights[$0]) * (Double(updates[$0][j]) * grid).rounded() }.reduce(0, +)
            XCTAssertEqual(mean[j], (fixed / grid / 4 * grid).rounded() / grid, "value \(j)")
        }
    }

    /// BFV at N = 8192 (a 179-bit Q): its compact layout needs smudging above 126 bits, which
    /// `uniformWide` now draws from three words; the aggregate stays exact and the upload shrinks
    /// below half the full residues.
    func testCompactThresholdBFVAtN8192IsExactAndUnderHalfTheFullSize() throws {
        let context = HEContext(parameters: try .standard(scheme: .bfv, ringDegree: 8192))
        let committee = Committee(context: context, parties: 3, seed: 53)
        let codec = try HEVectorCodec(context: context, mode: .threshold, parties: 3, maximumTotalWeight: 4, valueBound: 8, precisionBits: 20)
        let layout = try XCTUnwrap(codec.compact, "BFV N = 8192 has a compact layout")
        XCTAssertGreaterThan(layout.smudgingBits, 126, "\(layout)")
        var rng = ChaCha20Generator(key: [UInt8](repeating: 54, count: 32))
        let updates = (0..<3).map { _ in (0..<9000).map { _ in Float(rng.nextUnitDouble() * 16 - 8) } }
        let weights = [1, 2, 1]
        var uploadBytes = 0
        let received = try updates.map { values -> EncryptedVector in
            let wire = codec.wireForm(of: try codec.encrypt(values, publicKey: committee.publicKey, rng: &rng, threads: 2))
            uploadBytes = wire.reduce(0) { $0 + $1.count }
            return try codec.receive(wire, count: 9000)
        }
        let full = 2 * HESerialization.ciphertextByteCount(context: context, limbs: context.maximumLimbCount)
        XCTAssertLessThan(Double(uploadBytes), 0.5 * Double(full), "\(uploadBytes) bytes against \(full) in full (\(layout))")
        let total = try codec.weightedSum(received, weights: weights, threads: 2)
        let downloaded = try codec.receiveDownload(codec.wireDownload(of: total), count: 9000)
        let shares = try committee.shares.map {
            try codec.receiveDecryptionShares(codec.wireDecryptionShares(of: downloaded, secretKeyShare: $0, rng: &rng, threads: 2))
        }
        XCTAssertTrue(shares.joined().allSatisfy { $0.smudgingBits == layout.smudgingBits || $0.smudgingBits > 126 })
        let mean = try codec.decrypt(total, shares: shares, divisor: 4, threads: 2)
        let grid = 0x1p20
        for j in 0..<9000 {
            let fixed = (0..<3).map { Double(weights[$0]) * (Double(updates[$0][j]) * grid).rounded() }.reduce(0, +)
            XCTAssertEqual(mean[j], (fixed / grid / 4 * grid).rounded() / grid, "value \(j)")
        }
    }

    /// Smudging wider than two words: every draw in [−2^(b−1), 2^(b−1)), and its largest
    /// magnitude within a bit of the top (8,192 draws).
    func testWideSmudgingCoversItsWholeRange() throws {
        let context = HEContext(parameters: try .standard(scheme: .bfv, ringDegree: 8192))
        var rng = ChaCha20Generator(key: [UInt8](repeating: 55, count: 32))
        for bits in [100, 128, 150, 170] {
            var p = RNSPolynomial(degree: context.degree, limbCount: context.maximumLimbCount, isNTTForm: false)
            RLWESampling.uniformWide(into: &p, bits: bits, moduli: context.moduli, rng: &rng)
            let values = context.liftCentred(p)
            let top = pow(2, Double(bits - 1))
            XCTAssertTrue(values.allSatisfy { $0 >= -top && $0 < top }, "\(bits) bits")
            XCTAssertGreaterThan(values.map(abs).max()!, top / 2, "\(bits) bits")
            XCTAssertLessThan(abs(values.reduce(0, +) / Double(values.count)), top / 16, "\(bits) bits: centred")
        }
    }

    func testCompactShareHolderSharesDecryptTheAggregate() throws {
        let committee = Committee(context: Self.ckks, parties: 3, seed: 47)
        let (decoded, inputs, bound) = try Self.shareHoldersDecrypt(shares: committee.shares, publicKey: committee.publicKey, count: 3000, seed: 48)
        XCTAssertLessThanOrEqual(Self.worstError(decoded, inputs: inputs, weights: [1, 1, 1], divisor: 3), bound)
    }

    /// Two share-holders receive every key holder's fragments (as bytes, all secrets of the key)
    /// and decrypt the sum of three uploads of `count` values; the mean and its stated bound.
    static func shareHoldersDecrypt(shares keyShares: [SecretKey], publicKey: PublicKey, count: Int, seed: UInt8) throws
        -> (decoded: [Double], inputs: [[Float]], bound: Double) {
        let context = Self.ckks, secrets = publicKey.secretCount
        let codec = try HEVectorCodec(context: context, mode: .shareHolders, parties: keyShares.count, maximumTotalWeight: 3, valueBound: 1,
                                      secretsPerKey: secrets)
        let resharing = SecretKeyResharing(context: context, holders: 2)
        var rng = ChaCha20Generator(key: [UInt8](repeating: seed, count: 32))
        var keys = (0..<2).map { HolderKeyShare(context: context, holder: $0, holders: 2, secrets: secrets) }
        for s in keyShares {
            for (h, fragment) in resharing.split(s, rng: &rng).enumerated() {
                let wire = HESerialization.serialize(fragment, context: context)
                try keys[h].receive(try HESerialization.deserializeKeyFragment(wire, context: context), resharing: resharing)
            }
        }
        let inputs = (0..<3).map { _ in (0..<count).map { _ in Float(rng.nextUnitDouble() * 2 - 1) } }
        let received = try inputs.map { try codec.receive(codec.wireForm(of: try codec.encrypt($0, publicKey: publicKey, rng: &rng)), count: count) }
        let sum = try codec.weightedSum(received)
        let shares = try keys.map {
            try codec.receiveHolderDecryptionShares(codec.wireHolderDecryptionShares(of: sum, holderKey: $0, resharing: resharing, rng: &rng))
        }
        let decoded = try codec.decrypt(sum, holderShares: shares, resharing: resharing, divisor: 3)
        return (decoded, inputs, try XCTUnwrap(codec.valueErrorBound) / 3 + pow(2, -Double(codec.precisionBits + 1)))
    }

    /// A key holder makes its shares from the bytes it downloaded (c1 alone), not from the
    /// aggregator's ciphertext: the shares must be byte for byte those of the aggregate itself,
    /// and a damaged download must be refused when it is parsed.
    func testSharesOfTheDownloadedAggregateAreTheAggregatesOwn() throws {
        let context = Self.ckks
        let committee = Committee(context: context, parties: 3, seed: 51)
        let codec = try HEVectorCodec(context: context, mode: .threshold, parties: 3, maximumTotalWeight: 3, valueBound: 1)
        let layout = try XCTUnwrap(codec.compact)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 52, count: 32))
        let count = 8192 + 500
        let inputs = (0..<3).map { _ in (0..<count).map { _ in Float(rng.nextUnitDouble() * 2 - 1) } }
        let received = try inputs.map { try codec.receive(codec.wireForm(of: try codec.encrypt($0, publicKey: committee.publicKey, rng: &rng)), count: count) }
        let sum = try codec.weightedSum(received)
        let download = codec.wireDownload(of: sum)
        XCTAssertEqual(download.map(\.count), [Int](repeating: CompactWire.downloadByteCount(context: context, layout: layout), count: 2))
        XCTAssertLessThan(download[0].count, codec.wireForm(of: sum)[0].count, "the download leaves c0 with the aggregator")
        let downloaded = try codec.receiveDownload(download, count: count)
        for (i, key) in committee.shares.enumerated() {
            var a = ChaCha20Generator(key: [UInt8](repeating: UInt8(60 + i), count: 32)), b = a
            XCTAssertEqual(codec.wireDecryptionShares(of: downloaded, secretKeyShare: key, rng: &a),
                           codec.wireDecryptionShares(of: sum, secretKeyShare: key, rng: &b), "party \(i)")
        }
        let shares = try committee.shares.map { try codec.receiveDecryptionShares(codec.wireDecryptionShares(of: downloaded, secretKeyShare: $0, rng: &rng)) }
        let mean = try codec.decrypt(sum, shares: shares, divisor: 3)
        let bound = try XCTUnwrap(codec.valueErrorBound) / 3 + pow(2, -Double(codec.precisionBits + 1))
        for j in stride(from: 0, to: count, by: 13) {
            XCTAssertLessThanOrEqual(abs(mean[j] - inputs.reduce(0.0) { $0 + Double($1[j]) } / 3), bound, "value \(j)")
        }
        func refused(_ blobs: [[UInt8]], count: Int = count, _ check: (Error) -> Bool, _ what: String) {
            XCTAssertThrowsError(try codec.receiveDownload(blobs, count: count), what) { XCTAssertTrue(check($0), "\(what): \($0)") }
        }
        refused([download[0], Array(download[1].dropLast())], { if case .truncated = $0 as? HESerializationError { return true }; return false }, "one byte short")
        refused([download[0]], { if case .lengthMismatch = $0 as? HECodecError { return true }; return false }, "a ciphertext missing")
        var narrow = download[0]
        narrow[HESerialization.commonHeader + 1 + 1 + 8 + 8 + 4] = UInt8(layout.ciphertextWidth - 1)
        refused([narrow, download[1]], { if case .overCompressed(field: "c1", _, _) = $0 as? HESerializationError { return true }; return false }, "c1 one bit short")
        refused([codec.wireForm(of: sum)[0], download[1]], { if case .wrongKind = $0 as? HESerializationError { return true }; return false },
                "an upload where a download belongs")
    }

    func testTruncatedOverCompressedOrMalformedCompactFormsAreRefusedAtParse() throws {
        let context = Self.ckks
        let committee = Committee(context: context, parties: 2, seed: 49)
        let codec = try HEVectorCodec(context: context, mode: .threshold, parties: 2, maximumTotalWeight: 2, valueBound: 1)
        let layout = try XCTUnwrap(codec.compact)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 50, count: 32))
        let vector = try codec.encrypt((0..<100).map { Float($0) / 100 }, publicKey: committee.publicKey, rng: &rng)
        let blob = codec.wireForm(of: vector)[0]
        XCTAssertEqual(blob[4], HESerialization.compactVersion)
        func refused(_ bytes: [UInt8], count: Int = 100, _ check: (HESerializationError) -> Bool, _ what: String) {
            XCTAssertThrowsError(try codec.receive([bytes], count: count), what) {
                guard let e = $0 as? HESerializationError, check(e) else { return XCTFail("\(what): \($0)") }
            }
        }
        XCTAssertNoThrow(try codec.receive([blob], count: 100))
        refused(Array(blob.dropLast()), { if case .truncated = $0 { return true }; return false }, "one byte short")
        refused(Array(blob.prefix(40)), { if case .truncated = $0 { return true }; return false }, "header only")
        refused(blob + [0], { if case .trailingBytes(1) = $0 { return true }; return false }, "one byte too many")
        var version = blob
        version[4] = HESerialization.version
        refused(version, { if case .unsupportedVersion = $0 { return true }; return false }, "version 1 header on a compact body")
        refused(blob, count: 101, { if case .invalidField = $0 { return true }; return false }, "another value count")
        // Over-compressed: one bit less of c1 than the layout, as a sender saving bytes would send.
        let tighter = CompactLayout(ciphertextWidth: layout.ciphertextWidth - 1, messageWidth: layout.messageWidth, shareWidth: layout.shareWidth,
                                    smudgingBits: layout.smudgingBits, aggregateNoiseBound: layout.aggregateNoiseBound, errorBound: layout.errorBound)
        let over = CompactWire.serialize(vector.ciphertexts[0], count: 100, layout: tighter, context: context)
        refused(over, { if case .overCompressed(field: "c1", _, _) = $0 { return true }; return false }, "c1 one bit short")
        let c0Tighter = CompactLayout(ciphertextWidth: layout.ciphertextWidth, messageWidth: layout.messageWidth - 1, shareWidth: layout.shareWidth,
                                      smudgingBits: layout.smudgingBits, aggregateNoiseBound: layout.aggregateNoiseBound, errorBound: layout.errorBound)
        refused(CompactWire.serialize(vector.ciphertexts[0], count: 100, layout: c0Tighter, context: context),
                { if case .overCompressed(field: "c0", _, _) = $0 { return true }; return false }, "c0 one bit short")
        // Nonzero padding bits after the last packed value: three 5-bit values leave one spare bit.
        var writer = ByteWriter()
        writer.packed([1, 31, 17], width: 5)
        var reader = ByteReader(writer.bytes)
        XCTAssertEqual(try reader.packed(count: 3, width: 5), [1, 31, 17])
        var dirty = writer.bytes
        dirty[1] |= 0x80
        var dirtyReader = ByteReader(dirty)
        XCTAssertThrowsError(try dirtyReader.packed(count: 3, width: 5)) {
            guard case .invalidField = $0 as? HESerializationError else { return XCTFail("\($0)") }
        }
        // Shares: truncated and over-compressed.
        let shares = codec.wireDecryptionShares(of: vector, secretKeyShare: committee.shares[0], rng: &rng)
        XCTAssertNoThrow(try codec.receiveDecryptionShares(shares))
        XCTAssertThrowsError(try codec.receiveDecryptionShares([Array(shares[0].dropLast())])) {
            guard case .truncated = $0 as? HESerializationError else { return XCTFail("\($0)") }
        }
        var narrow = shares[0]
        narrow[HESerialization.commonHeader + 8 + 4 + 1 + 1] = UInt8(layout.shareWidth - 1)
        XCTAssertThrowsError(try codec.receiveDecryptionShares([narrow])) {
            guard case .overCompressed(field: "decryption share", _, _) = $0 as? HESerializationError else { return XCTFail("\($0)") }
        }
    }

    /// Issue 16's figures for 10 clients × 101,770 values under threshold CKKS at N = 8192 (bytes
    /// are deterministic; the bench measures the same on the blobs).
    func testCompactLayoutAtTheIssueSizeStaysWithinItsBudgets() throws {
        let codec = try HEVectorCodec(context: Self.ckks, mode: .threshold, parties: 10, maximumTotalWeight: 10, valueBound: 1, precisionBits: 20)
        let layout = try XCTUnwrap(codec.compact)
        let upload = codec.serializedByteCount(forValues: 101_770)
        let shares = (0..<13).reduce(0) { $0 + CompactWire.shareByteCount(layout: layout, count: codec.coefficientsRead(ciphertext: $1, ofValues: 101_770)) }
        XCTAssertEqual(codec.ciphertextCount(forValues: 101_770), 13)
        XCTAssertLessThan(upload, 7_170_000 / 3, "\(layout)")
        XCTAssertLessThanOrEqual(shares, 500_000, "\(layout)")
        XCTAssertLessThanOrEqual(try XCTUnwrap(codec.valueErrorBound) / 10 + pow(2, -21), 1e-6)
        // Packed (issue 16's target): one c1 for all 13 ciphertexts under a 13-secret key, the
        // same layout, so the same shares and error bound.
        let k = HEVectorCodec.secretsPerKey(forValues: 101_770, ringDegree: 8192)
        XCTAssertEqual(k, 13)
        let packed = try HEVectorCodec(context: Self.ckks, mode: .threshold, parties: 10, maximumTotalWeight: 10, valueBound: 1,
                                       precisionBits: 20, secretsPerKey: k)
        XCTAssertEqual(packed.compact, layout)
        XCTAssertEqual(packed.groups(forValues: 101_770).count, 1)
        XCTAssertLessThanOrEqual(packed.serializedByteCount(forValues: 101_770), 1_500_000, "\(layout)")
        XCTAssertEqual(upload - packed.serializedByteCount(forValues: 101_770),
                       12 * CompactWire.groupByteCount(context: Self.ckks, layout: layout, counts: []), "twelve c1's fewer")
    }
}
