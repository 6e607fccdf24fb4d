import Wire

/// `secure_aggregation: additive` on the common frame: a client's share for share-holder h
/// (kind 3) and a share-holder's partial sum for the aggregator (kind 4). A seed share is 32
/// bytes and the length it expands to; a vector share is its 64-bit words.
extension AdditiveShareMessage: WireMessage {
    public static let wireKind: UInt16 = 3
    static let seedTag: UInt16 = 1, vectorTag: UInt16 = 2
    static let seedBytes = 32

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter()
        w.u32(UInt32(client))
        w.u32(UInt32(holder))
        switch share {
        case let .seed(key, count):
            w.u16(Self.seedTag)
            w.blob(key)
            w.u64(UInt64(count))
        case let .vector(words):
            w.u16(Self.vectorTag)
            w.words(words)
        }
        return w.bytes
    }

    public static func decodePayload(_ r: inout WireReader) throws -> AdditiveShareMessage {
        let client = Int(try r.u32("client")), holder = Int(try r.u32("holder"))
        switch try r.u16("share tag") {
        case seedTag:
            let key = try r.blob("seed")
            guard key.count == seedBytes else { throw WireError.invalidValue(field: "seed", reason: "\(key.count) bytes, not \(seedBytes)") }
            let count = try r.u64("share length")
            guard count <= UInt64(Int32.max) else { throw WireError.invalidValue(field: "share length", reason: "\(count) is too large") }
            return AdditiveShareMessage(client: client, holder: holder, share: .seed(key, count: Int(count)))
        case vectorTag:
            return AdditiveShareMessage(client: client, holder: holder, share: .vector(try r.words("share")))
        case let tag:
            throw WireError.invalidValue(field: "share tag", reason: "\(tag) is neither seed (1) nor vector (2)")
        }
    }
}

extension PartialSumMessage: WireMessage {
    public static let wireKind: UInt16 = 4

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter()
        w.u32(UInt32(holder))
        w.u64(UInt64(clients.count))
        for c in clients { w.u32(UInt32(c)) }
        w.words(sum)
        return w.bytes
    }

    public static func decodePayload(_ r: inout WireReader) throws -> PartialSumMessage {
        let holder = Int(try r.u32("holder"))
        let n = try r.count("client count", width: 4)
        var clients: [Int] = []
        for _ in 0..<n { clients.append(Int(try r.u32("client"))) }
        guard clients == clients.sorted(), Set(clients).count == clients.count else {
            throw WireError.invalidValue(field: "clients", reason: "not ascending and distinct")
        }
        return PartialSumMessage(holder: holder, clients: clients, sum: try r.words("sum"))
    }
}
