/// What a client sends the aggregator at the end of local training: exactly what a networked
/// deployment would carry, so moving clients out of process needs no redesign.
public struct ClientUpdateMessage: Sendable {
    public var client: Int
    public var round: Int
    /// Examples the update was trained on (the FedAvg weight).
    public var sampleCount: Int
    public var payload: UpdatePayload

    /// Bytes this message occupies on the wire (payload plus a fixed 24-byte header).
    public var wireBytes: Int { 24 + payload.wireBytes }
}

/// The protected (or plain) form of a model update.
public enum UpdatePayload: Sendable {
    /// The model delta (local − global) in the clear, float32.
    case plain([Float])
    /// The delta as serialized ciphertexts under the collective key (homomorphic encryption).
    case encrypted(EncryptedUpdate)

    public var wireBytes: Int {
        switch self {
        case .plain(let delta): return delta.count * MemoryLayout<Float>.size
        case .encrypted(let update): return update.wireBytes
        }
    }
}

/// What the aggregator broadcasts at the start of a round.
public struct GlobalModelMessage: Sendable {
    public var round: Int
    public var parameters: [Float]
    public var wireBytes: Int { 16 + parameters.count * MemoryLayout<Float>.size }
}
