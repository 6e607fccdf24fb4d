/// A message one party sends another, with its one encoding in `WireFrame`. `bytes_sent` and
/// `bytes_received` are the lengths of these encodings as a `Transport` carried them.
public protocol WireMessage: Sendable {
    static var wireKind: UInt16 { get }
    func encodedPayload() -> [UInt8]
    static func decodePayload(_ reader: inout WireReader) throws -> Self
}

extension WireMessage {
    /// The message as it travels.
    public func encoded() -> [UInt8] { WireFrame.frame(kind: Self.wireKind, payload: encodedPayload()) }

    /// The message from received bytes.
    /// - Throws: `WireError` for anything but a whole, well-formed message of this kind.
    public static func decode(_ bytes: [UInt8]) throws -> Self {
        var reader = WireReader(try WireFrame.payload(of: bytes, kind: wireKind))
        let message = try decodePayload(&reader)
        try reader.end()
        return message
    }
}

/// A message as its receiver holds it: decoded from the bytes that crossed, and their count.
public struct Delivery<Message: WireMessage>: Sendable {
    public let message: Message
    /// The length of the encoded message that crossed: what `bytes_sent` and `bytes_received`
    /// record, measured, never estimated.
    public let bytes: Int

    public init(message: Message, bytes: Int) { self.message = message; self.bytes = bytes }
}

extension WireMessage {
    /// The message after `carry` moved its encoding: decoded from what arrived.
    public static func deliver(_ message: Self, carry: ([UInt8]) throws -> [UInt8]) throws -> Delivery<Self> {
        let bytes = try carry(message.encoded())
        return Delivery(message: try decode(bytes), bytes: bytes.count)
    }
}
