@testable import Pipeline
import SecureComputation
import Wire
import XCTest

/// The messages between parties round-trip through their one wire format, and every malformed
/// input — truncated anywhere, padded, another kind or version, a count larger than the bytes —
/// is a typed `WireError`, never a crash or a wrong value.
final class WireFormatTests: XCTestCase {
    let plain = ClientUpdateMessage(client: 3, round: 7, sampleCount: 600, payload: .plain([0.5, -1.25, .leastNonzeroMagnitude, 3e38]))
    let encrypted = ClientUpdateMessage(client: 9, round: 2, sampleCount: 6000, payload: .encrypted(
        EncryptedUpdate(valueCount: 101_770, epoch: 4, keyID: 0xDEAD_BEEF_0123_4567, ciphertexts: [[1, 2, 3], [], [255]])))
    let global = GlobalModelMessage(round: 11, parameters: (0..<33).map { Float($0) / 7 })

    func same(_ a: ClientUpdateMessage, _ b: ClientUpdateMessage) -> Bool {
        guard a.client == b.client, a.round == b.round, a.sampleCount == b.sampleCount else { return false }
        switch (a.payload, b.payload) {
        case (.plain(let x), .plain(let y)): return x.map(\.bitPattern) == y.map(\.bitPattern)
        case (.encrypted(let x), .encrypted(let y)): return x == y
        default: return false
        }
    }

    func testMessagesRoundTripBitForBit() throws {
        XCTAssertTrue(same(try ClientUpdateMessage.decode(plain.encoded()), plain))
        XCTAssertTrue(same(try ClientUpdateMessage.decode(encrypted.encoded()), encrypted))
        let decoded = try GlobalModelMessage.decode(global.encoded())
        XCTAssertEqual(decoded.round, 11)
        XCTAssertEqual(decoded.parameters.map(\.bitPattern), global.parameters.map(\.bitPattern))
    }

    /// `bytes_sent` is the encoding's length: header 16, then the fields, 4 bytes per value.
    func testWireBytesIsTheMeasuredEncodingLength() throws {
        XCTAssertEqual(plain.encoded().count, 16 + 4 + 4 + 8 + 2 + 8 + 4 * 4)
        XCTAssertEqual(global.encoded().count, 16 + 4 + 8 + 4 * 33)
        let delivery = try InProcessTransport().deliver(plain, from: .client(3), to: .aggregator)
        XCTAssertEqual(delivery.bytes, plain.encoded().count)
        XCTAssertTrue(same(delivery.message, plain))
    }

    func testEveryTruncationIsATypedError() {
        for message in [plain, encrypted] {
            let bytes = message.encoded()
            for cut in 0..<bytes.count {
                XCTAssertThrowsError(try ClientUpdateMessage.decode(Array(bytes.prefix(cut)))) { error in
                    XCTAssertTrue(error is WireError, "cut at \(cut): \(error)")
                }
            }
        }
    }

    func testWrongMagicVersionKindLengthAndTrailingBytesAreRefused() {
        let bytes = plain.encoded()
        func refused(_ edit: (inout [UInt8]) -> Void, _ expected: WireError) {
            var b = bytes
            edit(&b)
            XCTAssertThrowsError(try ClientUpdateMessage.decode(b)) { XCTAssertEqual($0 as? WireError, expected) }
        }
        refused({ $0[0] = 0x58 }, .badMagic)
        refused({ $0[4] = 2 }, .unsupportedVersion(2))
        refused({ $0[6] = 1 }, .unexpectedKind(expected: 2, found: 1))
        refused({ $0.append(0) }, .lengthMismatch(declared: UInt64(bytes.count - 16), actual: bytes.count - 15))
        XCTAssertThrowsError(try GlobalModelMessage.decode(bytes)) { XCTAssertEqual($0 as? WireError, .unexpectedKind(expected: 1, found: 2)) }
        // A payload with bytes after its last field, inside a frame whose length covers them.
        var padded = plain.encodedPayload()
        padded.append(7)
        XCTAssertThrowsError(try ClientUpdateMessage.decode(WireFrame.frame(kind: 2, payload: padded))) {
            XCTAssertEqual($0 as? WireError, .trailingBytes(1))
        }
    }

    /// A count field claiming 2^60 values is refused from the bytes present, before any allocation.
    func testACountLargerThanTheMessageIsRefusedWithoutAllocating() {
        var w = WireWriter()
        w.u32(1); w.u32(1); w.u64(10); w.u16(1); w.u64(1 << 60)
        XCTAssertThrowsError(try ClientUpdateMessage.decode(WireFrame.frame(kind: 2, payload: w.bytes))) { error in
            guard case WireError.truncated(let field, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "delta")
        }
        var tag = WireWriter()
        tag.u32(1); tag.u32(1); tag.u64(10); tag.u16(9)
        XCTAssertThrowsError(try ClientUpdateMessage.decode(WireFrame.frame(kind: 2, payload: tag.bytes))) { error in
            guard case WireError.invalidValue(let field, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "payload tag")
        }
    }

    /// The additive-sharing messages: a seed share, a vector share and a partial sum round-trip
    /// exactly; every truncation, a short seed and unsorted clients are typed errors.
    func testAdditiveShareAndPartialSumMessagesRoundTripAndRefuseMalformedBytes() throws {
        let seed = AdditiveShareMessage(client: 4, holder: 1, share: .seed((0..<32).map { UInt8($0) }, count: 101_770))
        let vector = AdditiveShareMessage(client: 4, holder: 2, share: .vector([0, 1, .max, 1 << 63]))
        let partial = PartialSumMessage(holder: 2, clients: [0, 3, 9], sum: [5, .max, 0])
        XCTAssertEqual(try AdditiveShareMessage.decode(seed.encoded()), seed)
        XCTAssertEqual(try AdditiveShareMessage.decode(vector.encoded()), vector)
        XCTAssertEqual(try PartialSumMessage.decode(partial.encoded()), partial)
        XCTAssertEqual(vector.encoded().count, 16 + 4 + 4 + 2 + 8 + 8 * 4)
        for bytes in [seed.encoded(), vector.encoded()] {
            for cut in 0..<bytes.count {
                XCTAssertThrowsError(try AdditiveShareMessage.decode(Array(bytes.prefix(cut)))) { XCTAssertTrue($0 is WireError, "cut at \(cut): \($0)") }
            }
        }
        let short = AdditiveShareMessage(client: 4, holder: 1, share: .seed([1, 2, 3], count: 10))
        XCTAssertThrowsError(try AdditiveShareMessage.decode(short.encoded())) {
            XCTAssertEqual($0 as? WireError, .invalidValue(field: "seed", reason: "3 bytes, not 32"))
        }
        let unsorted = PartialSumMessage(holder: 0, clients: [3, 1], sum: [])
        XCTAssertThrowsError(try PartialSumMessage.decode(unsorted.encoded())) {
            XCTAssertEqual($0 as? WireError, .invalidValue(field: "clients", reason: "not ascending and distinct"))
        }
    }

    /// An HE message round-trips; a blob delivered for another purpose, round or sender is
    /// refused before the HE parser sees it.
    func testHEBlobsMessageRoundTripsAndNamesAMisdirectedBlob() throws {
        let message = HEBlobsMessage(.decryptionShares, epochOrRound: 3, sender: 2, blobs: [[1, 2, 3], [], [9]])
        let decoded = try HEBlobsMessage.decode(message.encoded())
        XCTAssertEqual(decoded, message)
        XCTAssertEqual(try decoded.blobs(expecting: .decryptionShares, epochOrRound: 3, sender: 2), [[1, 2, 3], [], [9]])
        XCTAssertThrowsError(try decoded.blobs(expecting: .decryptionShares, epochOrRound: 4, sender: 2)) {
            XCTAssertEqual($0 as? WireError, .invalidValue(field: "epoch or round", reason: "3, expected 4"))
        }
        XCTAssertThrowsError(try decoded.blobs(expecting: .publicKeyShare, epochOrRound: 3, sender: 2)) { XCTAssertTrue($0 is WireError) }
        XCTAssertThrowsError(try decoded.blobs(expecting: .decryptionShares, epochOrRound: 3, sender: 1)) { XCTAssertTrue($0 is WireError) }
        let bytes = message.encoded()
        for cut in 0..<bytes.count {
            XCTAssertThrowsError(try HEBlobsMessage.decode(Array(bytes.prefix(cut)))) { XCTAssertTrue($0 is WireError, "cut at \(cut)") }
        }
        let download = HEBlobsMessage(.aggregateDownload, epochOrRound: 3, sender: 1, blobs: [[7, 7]])
        XCTAssertEqual(try HEBlobsMessage.decode(download.encoded()), download)
        XCTAssertThrowsError(try download.blobs(expecting: .decryptionShares, epochOrRound: 3, sender: 1)) { XCTAssertTrue($0 is WireError) }
    }
}
