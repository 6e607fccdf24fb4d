import GRPCCore

/// The agent link's one RPC, described by hand (no protoc, no swift-protobuf): a bidirectional
/// stream `privfed.v1.AgentLink/Connect` whose messages are whole PFW1 frames, so gRPC only
/// carries bytes and the frames keep their one versioned, length-checked encoding.
public enum LinkMethod {
    public static let service = ServiceDescriptor(fullyQualifiedService: "privfed.v1.AgentLink")
    public static let connect = MethodDescriptor(service: service, method: "Connect", type: .bidirectionalStreaming)
}

/// A frame's bytes as the gRPC message, unchanged.
struct FrameSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
}

/// The gRPC message's bytes as a frame; the frame is checked when it is decoded.
struct FrameDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}
