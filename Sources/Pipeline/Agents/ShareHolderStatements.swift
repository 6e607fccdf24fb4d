import Crypto
import Provisioning
import Wire

/// What a share-holder signs for its key of a job: the job, the holder it is, and the key. An
/// agent seals shares only for a key signed with the kit key of a certificate its CA issued to
/// that holder, so the orchestrator cannot put a key of its own in the holder's place.
struct HolderKeyStatement: Sendable, Equatable {
    var jobId: UInt64
    var manifestSha256: String
    var holder: Int
    var publicKey: [UInt8]

    var bytes: [UInt8] {
        var w = WireWriter()
        w.blob(Array("privfed.share-holder-key.v1".utf8)); w.u64(jobId); w.blob(Array(manifestSha256.utf8))
        w.u32(UInt32(holder)); w.blob(publicKey)
        return w.bytes
    }
}

extension HolderKey {
    /// Whether the key's signature is its certificate's on `HolderKeyStatement` for this job and
    /// holder (the certificate itself is checked apart: `PeerCertificate`, or the TLS session).
    public func isSigned(jobId: UInt64, manifestSha256: String) -> Bool {
        let statement = HolderKeyStatement(jobId: jobId, manifestSha256: manifestSha256, holder: holder, publicKey: publicKey)
        return ParticipantSignature.isValid(signature, on: statement.bytes, certificatePEM: certificatePEM)
    }
}

/// What a client signs for each share it seals: the share's slot (`ShareContext`), its round
/// key, the salt and the SHA-256 of the ciphertext. The holder checks it against the agent's
/// certificate, so every share in its sum comes from a certified agent of this round — the
/// orchestrator cannot pad a round with clients of its own to single out a real one.
struct SealedShareStatement: Sendable, Equatable {
    var context: ShareContext
    var roundKey: [UInt8]
    var share: SealedShare

    var bytes: [UInt8] {
        var w = WireWriter()
        w.blob(context.bytes); w.blob(roundKey); w.blob(share.salt); w.blob(Array(SHA256.hash(data: share.ciphertext)))
        return w.bytes
    }
}

/// What a share-holder signs for its partial sum of a round: the job, the round, the holder and
/// the SHA-256 of the `PartialSumMessage` frame it sends.
struct PartialSumStatement: Sendable, Equatable {
    var jobId: UInt64
    var manifestSha256: String
    var round: Int
    var holder: Int
    var partialSumSha256: String

    var bytes: [UInt8] {
        var w = WireWriter()
        w.blob(Array("privfed.partial-sum.v1".utf8)); w.u64(jobId); w.blob(Array(manifestSha256.utf8))
        w.u32(UInt32(round)); w.u32(UInt32(holder)); w.blob(Array(partialSumSha256.utf8))
        return w.bytes
    }
}
