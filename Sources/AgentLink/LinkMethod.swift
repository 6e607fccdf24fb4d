import GRPCCore

/// The agent link's one RPC, described by hand (no protoc, no swift-protobuf): a bidirectional
/// stream `privfed.v1.AgentLink/Connect` whose messages are whole PFW1 frames, so gRPC only
/// carries bytes and the frames keep their one versioned, length-checked encoding.
public enum LinkMethod {
    public static let service = ServiceDescriptor(fullyQualifiedService: "privfed.v1.AgentLink")
    public static let connect = MethodDescriptor(service: service, method: "Connect", type: .bidirectionalStreaming)

    /// The largest frame either end accepts, 256 MiB. gRPC's default of 4 MiB is below what the
    /// protocols send: a share-holder's round of additive sharing is one 814 kB share per client
    /// (8 MB for 10 agents), and under DP + HE + MPC one holder receives every client's key
    /// fragments (18.6 MB for 10). Only peers the federation's CA certified reach the link, and
    /// every frame's own decoder checks its lengths before it allocates.
    public static let maximumFrameBytes = 256 << 20
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
