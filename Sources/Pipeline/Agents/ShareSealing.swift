import Crypto
import Randomness
import Wire

/// Which share a sealed share is: what it shares (an update of a round, or the HE key share of
/// a key epoch), the job (id and manifest SHA-256), the round or epoch, the client that made it
/// and the holder it is for. It is both the HKDF info of the sealing key and the AEAD's
/// associated data, so a share relayed into another slot, or as the other kind, does not open.
struct ShareContext: Sendable, Equatable {
    enum Purpose: UInt16, Sendable {
        /// An additive share of a round's update (`round` is the round).
        case additiveShare = 0
        /// A fragment of a key holder's HE secret-key share (`round` is the key epoch).
        case keyFragment = 1
    }

    var purpose: Purpose = .additiveShare
    var jobId: UInt64
    var manifestSha256: String
    var round: Int
    var client: Int
    var holder: Int

    var bytes: [UInt8] {
        var w = WireWriter()
        w.blob(Array("privfed.sealed-share.v1".utf8)); w.u16(purpose.rawValue); w.u64(jobId); w.blob(Array(manifestSha256.utf8))
        w.u32(UInt32(round)); w.u32(UInt32(client)); w.u32(UInt32(holder))
        return w.bytes
    }
}

/// Seals one additive share for its share-holder across the orchestrator's relay, in the manner
/// of HPKE's base mode (RFC 9180): X25519 between the client's key of the round and the holder's
/// key of the job (RFC 7748), HKDF-SHA256 (RFC 5869) salted with the SHA-256 of the share and
/// bound to its `ShareContext`, then ChaCha20-Poly1305 (RFC 8439). The salt makes every key
/// serve one plaintext, so the fixed nonce is never reused with two: a client asked twice for
/// the same round seals the same share again, and any other share gets another key. The salt
/// reveals nothing of the update: a share is uniformly random (or a random seed) to anyone
/// without all M of them.
enum ShareSealing {
    /// The nonce of every sealing: each key seals exactly one plaintext (see above).
    static var nonce: ChaChaPoly.Nonce { try! ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)) }

    static func key(_ own: Curve25519.KeyAgreement.PrivateKey, peer: [UInt8], salt: [UInt8], context: ShareContext) throws -> SymmetricKey {
        let peerKey: Curve25519.KeyAgreement.PublicKey
        do { peerKey = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: peer) } catch {
            throw AgentError.refused("the X25519 key for \(context.client) → holder \(context.holder) is not one")
        }
        let secret = try own.sharedSecretFromKeyAgreement(with: peerKey)
        return secret.hkdfDerivedSymmetricKey(using: SHA256.self, salt: salt, sharedInfo: context.bytes, outputByteCount: 32)
    }

    /// The client's side: `plaintext` sealed for `holderKey`; returns the salt and ciphertext ‖ tag.
    static func seal(_ plaintext: [UInt8], roundKey: Curve25519.KeyAgreement.PrivateKey, holderKey: [UInt8],
                     context: ShareContext) throws -> (salt: [UInt8], ciphertext: [UInt8]) {
        let salt = Array(SHA256.hash(data: plaintext))
        let box = try ChaChaPoly.seal(plaintext, using: try key(roundKey, peer: holderKey, salt: salt, context: context), nonce: nonce,
                                      authenticating: context.bytes)
        return (salt, Array(box.ciphertext) + Array(box.tag))
    }

    /// The holder's side: the share's plaintext, or a refusal when it does not open (another
    /// key, slot or salt, or altered on the way).
    static func open(_ share: SealedShare, roundKey: [UInt8], holderKey: Curve25519.KeyAgreement.PrivateKey,
                     context: ShareContext) throws -> [UInt8] {
        guard share.ciphertext.count >= 16 else { throw AgentError.refused("client \(context.client)'s share is shorter than its tag") }
        do {
            let box = try ChaChaPoly.SealedBox(nonce: nonce, ciphertext: share.ciphertext.dropLast(16), tag: share.ciphertext.suffix(16))
            let plaintext = Array(try ChaChaPoly.open(box, using: try key(holderKey, peer: roundKey, salt: share.salt, context: context),
                                                      authenticating: context.bytes))
            guard Array(SHA256.hash(data: plaintext)) == share.salt else { throw AgentError.refused("its salt is not its share's SHA-256") }
            return plaintext
        } catch let error as AgentError {
            throw error
        } catch {
            throw AgentError.refused("client \(context.client)'s share for holder \(context.holder) does not open: \(error)")
        }
    }
}

extension ShareSealing {
    /// An X25519 private key from 32 bytes of `generator` (a stream of the owner's root, so a
    /// restarted party makes the same key again and a re-executed job the same bytes).
    static func privateKey(from generator: inout ChaCha20Generator) -> Curve25519.KeyAgreement.PrivateKey {
        var raw: [UInt8] = []
        for _ in 0..<4 {
            let word = generator.next()
            for i in 0..<8 { raw.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(i)))) }
        }
        return try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw)  // any 32 bytes are a key (RFC 7748 §5 clamps)
    }
}
