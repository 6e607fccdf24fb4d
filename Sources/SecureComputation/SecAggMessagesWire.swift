import Wire

/// The SecAgg / SecAgg+ messages on the common frame (kinds 10–16), so their bytes are counted
/// as carried, not estimated. Client ids are u32, X25519 keys and ciphertexts length-prefixed
/// blobs, ring and field words u64; dictionaries are written in ascending key order.
extension SecAggPublicKeys: WireMessage {
    public static let wireKind: UInt16 = 10
    static let keyBytes = 32

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter()
        write(into: &w)
        return w.bytes
    }

    func write(into w: inout WireWriter) {
        w.u32(UInt32(client)); w.blob(encryptionKey); w.blob(maskingKey)
    }

    public static func decodePayload(_ r: inout WireReader) throws -> SecAggPublicKeys {
        let client = Int(try r.u32("client"))
        let encryption = try r.blob("encryption key"), masking = try r.blob("masking key")
        for (name, key) in [("encryption key", encryption), ("masking key", masking)] where key.count != keyBytes {
            throw WireError.invalidValue(field: name, reason: "\(key.count) bytes, not \(keyBytes)")
        }
        return SecAggPublicKeys(client: client, encryptionKey: encryption, maskingKey: masking)
    }
}

extension SecAggKeyDirectory: WireMessage {
    public static let wireKind: UInt16 = 11

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter()
        w.u64(UInt64(keys.count))
        for k in keys { k.write(into: &w) }
        return w.bytes
    }

    public static func decodePayload(_ r: inout WireReader) throws -> SecAggKeyDirectory {
        let n = try r.count("key count", width: 4 + 8 + 8)
        return SecAggKeyDirectory(keys: try (0..<n).map { _ in try SecAggPublicKeys.decodePayload(&r) })
    }
}

extension SecAggEncryptedShare {
    func write(into w: inout WireWriter) { w.u32(UInt32(from)); w.u32(UInt32(to)); w.blob(ciphertext) }

    static func read(_ r: inout WireReader) throws -> SecAggEncryptedShare {
        SecAggEncryptedShare(from: Int(try r.u32("from")), to: Int(try r.u32("to")), ciphertext: try r.blob("ciphertext"))
    }

    static func writeAll(_ shares: [SecAggEncryptedShare], client: Int) -> [UInt8] {
        var w = WireWriter()
        w.u32(UInt32(client))
        w.u64(UInt64(shares.count))
        for s in shares { s.write(into: &w) }
        return w.bytes
    }

    static func readAll(_ r: inout WireReader) throws -> (client: Int, shares: [SecAggEncryptedShare]) {
        let client = Int(try r.u32("client"))
        let n = try r.count("share count", width: 4 + 4 + 8)
        return (client, try (0..<n).map { _ in try read(&r) })
    }
}

extension SecAggShareKeysMessage: WireMessage {
    public static let wireKind: UInt16 = 12
    public func encodedPayload() -> [UInt8] { SecAggEncryptedShare.writeAll(shares, client: client) }
    public static func decodePayload(_ r: inout WireReader) throws -> SecAggShareKeysMessage {
        let (client, shares) = try SecAggEncryptedShare.readAll(&r)
        return SecAggShareKeysMessage(client: client, shares: shares)
    }
}

/// Round 1, server → client: the encrypted shares the other clients addressed to `client`.
public struct SecAggRoutedShares: Sendable, Hashable, WireMessage {
    public static let wireKind: UInt16 = 13
    public let client: Int
    public let shares: [SecAggEncryptedShare]

    public init(client: Int, shares: [SecAggEncryptedShare]) { self.client = client; self.shares = shares }

    public func encodedPayload() -> [UInt8] { SecAggEncryptedShare.writeAll(shares, client: client) }
    public static func decodePayload(_ r: inout WireReader) throws -> SecAggRoutedShares {
        let (client, shares) = try SecAggEncryptedShare.readAll(&r)
        return SecAggRoutedShares(client: client, shares: shares)
    }
}

extension SecAggMaskedInput: WireMessage {
    public static let wireKind: UInt16 = 14
    public func encodedPayload() -> [UInt8] {
        var w = WireWriter()
        w.u32(UInt32(client)); w.words(maskedInput)
        return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> SecAggMaskedInput {
        SecAggMaskedInput(client: Int(try r.u32("client")), maskedInput: try r.words("masked input"))
    }
}

extension SecAggUnmaskingRequest: WireMessage {
    public static let wireKind: UInt16 = 15
    public func encodedPayload() -> [UInt8] {
        var w = WireWriter()
        for ids in [survivors, dropped] { w.u64(UInt64(ids.count)); for id in ids { w.u32(UInt32(id)) } }
        return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> SecAggUnmaskingRequest {
        func ids(_ field: String) throws -> [Int] { try (0..<r.count(field, width: 4)).map { _ in Int(try r.u32(field)) } }
        let survivors = try ids("survivors")
        return SecAggUnmaskingRequest(survivors: survivors, dropped: try ids("dropped"))
    }
}

extension SecAggUnmaskingResponse: WireMessage {
    public static let wireKind: UInt16 = 16
    public func encodedPayload() -> [UInt8] {
        var w = WireWriter()
        w.u32(UInt32(client))
        for shares in [selfMaskSeedShares, maskingKeyShares] {
            w.u64(UInt64(shares.count))
            for id in shares.keys.sorted() {
                w.u32(UInt32(id)); w.u64(shares[id]!.x); w.words(shares[id]!.values)
            }
        }
        return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> SecAggUnmaskingResponse {
        let client = Int(try r.u32("client"))
        func shares(_ field: String) throws -> [Int: ShamirShare] {
            var out: [Int: ShamirShare] = [:]
            for _ in 0..<(try r.count(field, width: 4 + 8 + 8)) {
                let id = Int(try r.u32(field))
                let share = ShamirShare(x: try r.u64(field), values: try r.words(field))
                guard out.updateValue(share, forKey: id) == nil else { throw WireError.invalidValue(field: field, reason: "client \(id) twice") }
            }
            return out
        }
        let seeds = try shares("self-mask seed shares")
        return SecAggUnmaskingResponse(client: client, selfMaskSeedShares: seeds, maskingKeyShares: try shares("masking key shares"))
    }
}
