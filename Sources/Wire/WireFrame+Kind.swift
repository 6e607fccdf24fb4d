extension WireFrame {
    /// The kind a frame declares, read after its magic and version are checked — so a receiver
    /// that accepts several kinds on one stream (the agent link) can dispatch before decoding,
    /// and `decode` still checks the length and every field.
    /// - Throws: `WireError` for a short header, bad magic or another version.
    public static func kind(of bytes: [UInt8]) throws -> UInt16 {
        guard bytes.count >= headerSize else { throw WireError.truncated(field: "frame header", needed: headerSize, available: bytes.count) }
        guard Array(bytes[0..<4]) == magic else { throw WireError.badMagic }
        var r = WireReader(bytes[4..<8])
        let version = try r.u16("version")
        guard version == Self.version else { throw WireError.unsupportedVersion(version) }
        return try r.u16("kind")
    }
}
