/// A client's update as it travels under homomorphic encryption: the serialized ciphertexts
/// (`HESerialization`: version byte, parameter id, residues) and the key they are under.
public struct EncryptedUpdate: Sendable, Equatable {
    /// Values encrypted (the model's parameter count).
    public var valueCount: Int
    public var epoch: Int
    /// The collective public key's identifier.
    public var keyID: UInt64
    public var ciphertexts: [[UInt8]]
}
