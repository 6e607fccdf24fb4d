/// Reassembly of an `EncryptedVector` on the receiving side of a network boundary.
extension EncryptedVector {
    /// A vector rebuilt from ciphertexts received on the wire (each from
    /// `HESerialization.deserializeCiphertext`). `valueBound` is the receiver's own declared
    /// bound (e.g. the codec's), never one taken from the sender.
    public static func received(count: Int, ciphertexts: [Ciphertext], valueBound: Double) -> EncryptedVector {
        precondition(count >= 0 && valueBound > 0, "count must be non-negative and the bound positive")
        return EncryptedVector(count: count, ciphertexts: ciphertexts, valueBound: valueBound)
    }
}
