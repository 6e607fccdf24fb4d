/// A message as its receiver holds it: decoded from the bytes that crossed, and their count.
public struct Delivery<Message: WireMessage>: Sendable {
    public let message: Message
    /// The length of the encoded message that crossed: what `bytes_sent` and `bytes_received`
    /// record, measured, never estimated.
    public let bytes: Int
}

/// Carries one party's message to another. Every message between parties goes through it, so
/// the receiver reads only what the bytes say: the sender encodes (`WireMessage.encoded`), the
/// receiver decodes (`WireMessage.decode`) and rejects anything malformed as a `WireError`.
///
/// `InProcessTransport` carries the parties of one process; the networked agents (gRPC with
/// mutual TLS) carry the same frames between machines.
public protocol Transport: Sendable {
    /// `message` from `sender`, as `receiver` decodes it.
    func deliver<M: WireMessage>(_ message: M, from sender: Party, to receiver: Party) throws -> Delivery<M>
}

/// The parties of one process: encoded by the sender and decoded by the receiver, exactly as a
/// network would carry them.
public struct InProcessTransport: Transport {
    public init() {}

    public func deliver<M: WireMessage>(_ message: M, from sender: Party, to receiver: Party) throws -> Delivery<M> {
        let bytes = message.encoded()
        return Delivery(message: try M.decode(bytes), bytes: bytes.count)
    }
}
