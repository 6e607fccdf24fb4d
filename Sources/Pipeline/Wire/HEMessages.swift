import Wire

/// The HE protocol messages on the common frame (kind 5): a party's serialized key share, key
/// fragment or decryption shares, or the aggregate a decrypting party downloads, each blob a versioned, length-checked `HESerialization`
/// encoding that the receiver parses in its turn. The frame says what the blobs are, for which
/// epoch or round and from which party index, so a blob delivered for another purpose, epoch or
/// sender is refused before it is parsed.
public struct HEBlobsMessage: WireMessage, Sendable, Equatable {
    public enum Purpose: UInt16, Sendable {
        /// Client → aggregator: its public-key share of epoch E (Mouchet et al. 2021, Protocol 1).
        case publicKeyShare = 1
        /// Client → share-holder h: its fragment of its secret-key share of epoch E.
        case keyFragment = 2
        /// Key holder → aggregator: its smudged decryption shares of round R's aggregate.
        case decryptionShares = 3
        /// Share-holder → aggregator: its smudged decryption shares of round R's aggregate.
        case holderDecryptionShares = 4
        /// Aggregator → a decrypting party: what it needs of round R's aggregate to make its
        /// shares (`HEVectorCodec.wireDownload`); `sender` is the receiving party's index, the
        /// aggregator being the one sender of this purpose.
        case aggregateDownload = 5
        /// Aggregator → each client: the collective public key of epoch E, which it encrypts
        /// under; `sender` is the receiving client's index, as for a download.
        case publicKey = 6
    }

    public static let wireKind: UInt16 = 5
    public var purpose: Purpose
    /// The key epoch (key shares and fragments) or the round (decryption shares).
    public var epochOrRound: Int
    /// The sending client's or share-holder's index (a download: the receiving party's).
    public var sender: Int
    public var blobs: [[UInt8]]

    public init(_ purpose: Purpose, epochOrRound: Int, sender: Int, blobs: [[UInt8]]) {
        self.purpose = purpose; self.epochOrRound = epochOrRound; self.sender = sender; self.blobs = blobs
    }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter()
        w.u16(purpose.rawValue)
        w.u32(UInt32(epochOrRound))
        w.u32(UInt32(sender))
        w.u64(UInt64(blobs.count))
        for b in blobs { w.blob(b) }
        return w.bytes
    }

    public static func decodePayload(_ r: inout WireReader) throws -> HEBlobsMessage {
        let tag = try r.u16("purpose")
        guard let purpose = Purpose(rawValue: tag) else { throw WireError.invalidValue(field: "purpose", reason: "\(tag) is not an HE message") }
        let epochOrRound = Int(try r.u32("epoch or round")), sender = Int(try r.u32("sender"))
        let n = try r.count("blob count", width: 8)
        return HEBlobsMessage(purpose, epochOrRound: epochOrRound, sender: sender, blobs: try (0..<n).map { _ in try r.blob("blob") })
    }

    /// The blobs, once the frame is what the receiver expects.
    /// - Throws: `WireError.invalidValue` for another purpose, epoch or round, or sender.
    public func blobs(expecting purpose: Purpose, epochOrRound: Int, sender: Int) throws -> [[UInt8]] {
        guard self.purpose == purpose else { throw WireError.invalidValue(field: "purpose", reason: "\(self.purpose), expected \(purpose)") }
        guard self.epochOrRound == epochOrRound else { throw WireError.invalidValue(field: "epoch or round", reason: "\(self.epochOrRound), expected \(epochOrRound)") }
        guard self.sender == sender else { throw WireError.invalidValue(field: "sender", reason: "\(self.sender), expected \(sender)") }
        return blobs
    }
}
