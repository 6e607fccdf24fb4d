import Wire

extension GlobalModelMessage: WireMessage {
    public static let wireKind: UInt16 = 1

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter()
        w.u32(UInt32(round))
        w.floats(parameters)
        return w.bytes
    }

    public static func decodePayload(_ r: inout WireReader) throws -> GlobalModelMessage {
        GlobalModelMessage(round: Int(try r.u32("round")), parameters: try r.floats("parameters"))
    }
}

extension ClientUpdateMessage: WireMessage {
    public static let wireKind: UInt16 = 2
    /// Tag 3 is a plain delta with adaptive clipping's bit (`unclipped`) before it.
    static let plainTag: UInt16 = 1, encryptedTag: UInt16 = 2, plainWithClipBitTag: UInt16 = 3

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter()
        w.u32(UInt32(client))
        w.u32(UInt32(round))
        w.u64(UInt64(sampleCount))
        switch payload {
        case .plain(let delta):
            if let unclipped {
                w.u16(Self.plainWithClipBitTag)
                w.u16(unclipped ? 1 : 0)
            } else {
                w.u16(Self.plainTag)
            }
            w.floats(delta)
        case .encrypted(let e):
            w.u16(Self.encryptedTag)
            w.u64(UInt64(e.valueCount))
            w.u32(UInt32(e.epoch))
            w.u64(e.keyID)
            w.u64(UInt64(e.ciphertexts.count))
            for c in e.ciphertexts { w.blob(c) }
        }
        return w.bytes
    }

    public static func decodePayload(_ r: inout WireReader) throws -> ClientUpdateMessage {
        let client = Int(try r.u32("client")), round = Int(try r.u32("round"))
        let samples = try r.u64("sample count")
        guard samples <= UInt64(Int32.max) else { throw WireError.invalidValue(field: "sample count", reason: "\(samples) is not a count of examples") }
        let payload: UpdatePayload
        var unclipped: Bool?
        switch try r.u16("payload tag") {
        case plainTag:
            payload = .plain(try r.floats("delta"))
        case plainWithClipBitTag:
            switch try r.u16("clip bit") {
            case 0: unclipped = false
            case 1: unclipped = true
            case let bit: throw WireError.invalidValue(field: "clip bit", reason: "\(bit) is neither 0 nor 1")
            }
            payload = .plain(try r.floats("delta"))
        case encryptedTag:
            let values = try r.u64("value count")
            guard values <= UInt64(Int32.max) else { throw WireError.invalidValue(field: "value count", reason: "\(values) is too large") }
            let epoch = Int(try r.u32("epoch")), key = try r.u64("key id")
            let n = try r.count("ciphertext count", width: 8)
            var ciphertexts: [[UInt8]] = []
            for i in 0..<n { ciphertexts.append(try r.blob("ciphertext \(i)")) }
            payload = .encrypted(EncryptedUpdate(valueCount: Int(values), epoch: epoch, keyID: key, ciphertexts: ciphertexts))
        case let tag:
            throw WireError.invalidValue(field: "payload tag", reason: "\(tag) is neither plain (1 or 3) nor encrypted (2)")
        }
        return ClientUpdateMessage(client: client, round: round, sampleCount: Int(samples), payload: payload, unclipped: unclipped)
    }
}
