import Crypto

/// Derivations from X25519 shared secrets (RFC 7748) by HKDF-SHA256 (RFC 5869), shared by client
/// and server so both expand the same seeds.
///
/// The ids of both parties go into the HKDF info, lower id first, so a seed is bound to its pair
/// and purpose and one agreed secret never keys two things.
enum SecAggKeyDerivation {
    static let maskInfo = "privfed.secagg.v1.pairwise-mask"
    static let encryptionInfo = "privfed.secagg.v1.share-encryption"

    static func info(_ label: String, _ a: Int, _ b: Int) -> [UInt8] {
        var bytes = Array(label.utf8)
        for id in [min(a, b), max(a, b)] {
            for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: UInt32(id) >> (8 * UInt32(i)))) }
        }
        return bytes
    }

    static func derive(_ privateKey: Curve25519.KeyAgreement.PrivateKey, _ peer: [UInt8],
                       label: String, _ a: Int, _ b: Int) throws -> SymmetricKey {
        let peerKey: Curve25519.KeyAgreement.PublicKey
        do { peerKey = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: peer) } catch {
            throw SecureComputationError.malformedMessage("client \(a == b ? a : max(a, b)) advertised an invalid X25519 key")
        }
        let secret = try privateKey.sharedSecretFromKeyAgreement(with: peerKey)
        return secret.hkdfDerivedSymmetricKey(using: SHA256.self, salt: [UInt8](), sharedInfo: info(label, a, b), outputByteCount: 32)
    }

    /// s_{a,b}: the 32-byte ChaCha20 key of the pairwise mask between clients a and b.
    static func pairwiseMaskSeed(_ privateKey: Curve25519.KeyAgreement.PrivateKey, peer: [UInt8], _ a: Int, _ b: Int) throws -> [UInt8] {
        try derive(privateKey, peer, label: maskInfo, a, b).withUnsafeBytes { Array($0) }
    }

    /// s_{a,b} from a's masking secret as the raw 32-byte X25519 scalar, the form in which the
    /// server reconstructs a dropped client's s_a^SK from Shamir shares.
    static func pairwiseMaskSeed(rawSecret: [UInt8], peer: [UInt8], _ a: Int, _ b: Int) throws -> [UInt8] {
        try pairwiseMaskSeed(Curve25519.KeyAgreement.PrivateKey(rawRepresentation: rawSecret), peer: peer, a, b)
    }

    /// The ChaChaPoly key for share ciphertexts between a and b.
    static func shareEncryptionKey(_ privateKey: Curve25519.KeyAgreement.PrivateKey, peer: [UInt8], _ a: Int, _ b: Int) throws -> SymmetricKey {
        try derive(privateKey, peer, label: encryptionInfo, a, b)
    }

    /// The nonce for the ciphertext from `from` to `to`: unique per key because a key serves one
    /// pair and each direction has its own nonce.
    static func nonce(from: Int, to: Int) throws -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        for i in 0..<4 {
            bytes[i] = UInt8(truncatingIfNeeded: UInt32(from) >> (8 * UInt32(i)))
            bytes[4 + i] = UInt8(truncatingIfNeeded: UInt32(to) >> (8 * UInt32(i)))
        }
        return try ChaChaPoly.Nonce(data: bytes)
    }
}
