/// What a client sends the aggregator at the end of local training: exactly what a networked
/// deployment would carry, so moving clients out of process needs no redesign. Its bytes are
/// `WireMessage.encoded()` (Sources/Pipeline/Wire).
public struct ClientUpdateMessage: Sendable {
    public var client: Int
    public var round: Int
    /// Examples the update was trained on (the FedAvg weight).
    public var sampleCount: Int
    public var payload: UpdatePayload
    /// Adaptive clipping (`AdaptiveClipping`): whether the update's norm was at most the round's
    /// clip before clipping, the one bit the client reports beside its clipped update. Nil in
    /// every other job.
    public var unclipped: Bool? = nil
}

/// The protected (or plain) form of a model update.
public enum UpdatePayload: Sendable {
    /// The model delta (local − global) in the clear, float32.
    case plain([Float])
    /// The delta as serialized ciphertexts under the collective key (homomorphic encryption).
    case encrypted(EncryptedUpdate)
}

/// What the aggregator broadcasts at the start of a round.
public struct GlobalModelMessage: Sendable {
    public var round: Int
    public var parameters: [Float]
}
