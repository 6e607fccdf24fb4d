import Wire

/// Carries one party's bytes to another. Every message between parties crosses through it, so
/// the receiver reads only what the bytes say: the sender encodes (`WireMessage.encoded`), the
/// receiver decodes (`WireMessage.decode`) and rejects anything malformed as a `WireError`.
///
/// `InProcessTransport` carries the parties of one process; the networked agents (gRPC with
/// mutual TLS) carry the same frames between machines.
public protocol Transport: Sendable {
    /// The bytes `receiver` gets when `sender` sends `frame`.
    func carry(_ frame: [UInt8], from sender: Party, to receiver: Party) throws -> [UInt8]
}

extension Transport {
    /// `message` from `sender`, as `receiver` decodes it.
    public func deliver<M: WireMessage>(_ message: M, from sender: Party, to receiver: Party) throws -> Delivery<M> {
        try M.deliver(message) { try carry($0, from: sender, to: receiver) }
    }
}

/// The parties of one process: the bytes arrive as they were sent.
public struct InProcessTransport: Transport {
    public init() {}

    public func carry(_ frame: [UInt8], from sender: Party, to receiver: Party) throws -> [UInt8] { frame }
}
