/// The messages of one SecAgg / SecAgg+ round (Bonawitz et al. 2017, figure 4, rounds 0, 1, 2
/// and 4; the consistency-check round 3 only matters against an actively malicious server and is
/// left out in this honest-but-curious setting). Their encodings on the common frame are in
/// SecAggMessagesWire.swift; `SecAggRound` counts the bytes that were carried.

/// Round 0 (AdvertiseKeys), client → server: the two X25519 public keys, c_u^PK for encrypting
/// shares and s_u^PK for agreeing pairwise masks.
public struct SecAggPublicKeys: Sendable, Hashable {
    public let client: Int
    public let encryptionKey: [UInt8]
    public let maskingKey: [UInt8]
}

/// Round 0, server → client: the public keys of the client's neighbours that advertised (U1 ∩ N(u)).
public struct SecAggKeyDirectory: Sendable, Hashable {
    public let keys: [SecAggPublicKeys]
}

/// Round 1 (ShareKeys), one encrypted share pair: client `from`'s Shamir shares of its masking
/// secret key and self-mask seed for holder `to`, sealed with ChaChaPoly (RFC 8439, section 2.8)
/// under a key agreed between c_from and c_to, so the routing server cannot read them.
public struct SecAggEncryptedShare: Sendable, Hashable {
    public let from: Int
    public let to: Int
    /// Ciphertext ‖ 16-byte tag (the 12-byte nonce is derived from the ids, not sent).
    public let ciphertext: [UInt8]
}

/// Round 1, client → server: one encrypted share pair per neighbour.
public struct SecAggShareKeysMessage: Sendable, Hashable {
    public let client: Int
    public let shares: [SecAggEncryptedShare]
}

/// Round 2 (MaskedInputCollection), client → server: y_u = x_u + PRG(b_u) + Σ_v ±PRG(s_{u,v}).
public struct SecAggMaskedInput: Sendable, Hashable {
    public let client: Int
    public let maskedInput: [UInt64]
}

/// Round 4 (Unmasking), server → clients: who uploaded (U3) and who dropped after sharing (U2 \ U3).
public struct SecAggUnmaskingRequest: Sendable, Hashable {
    public let survivors: [Int]
    public let dropped: [Int]
}

/// Round 4, client → server: for each survivor u it holds shares of, the share of b_u; for each
/// dropped u, the share of s_u^SK — never both for one client (Bonawitz et al. 2017, section 4).
public struct SecAggUnmaskingResponse: Sendable, Hashable {
    public let client: Int
    public let selfMaskSeedShares: [Int: ShamirShare]
    public let maskingKeyShares: [Int: ShamirShare]
}
