import ResultsStore
import Wire

/// The messages of additive secure aggregation between agents, share-holders and the
/// orchestrator (issue 14). The orchestrator relays every share, sealed for its share-holder
/// (`ShareSealing`), and sees none: its view is the holders' partial sums, as in simulation.
extension AgentJobKind {
    public static let holderOffer: UInt16 = 38
    public static let holderAcceptance: UInt16 = 39
    public static let additiveShareRequest: UInt16 = 40
    public static let sealedShares: UInt16 = 41
    public static let holderSumRequest: UInt16 = 42
}

/// The orchestrator offers job `jobId` to a share-holder, as holder `holder`, with the manifest's text.
public struct HolderOffer: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.holderOffer
    public var jobId: UInt64
    public var holder: Int
    public var manifestText: String

    public init(jobId: UInt64, holder: Int, manifestText: String) { self.jobId = jobId; self.holder = holder; self.manifestText = manifestText }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter(); w.u64(jobId); w.u32(UInt32(holder)); w.blob(Array(manifestText.utf8)); return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> HolderOffer {
        HolderOffer(jobId: try r.u64("job_id"), holder: Int(try r.u32("holder")), manifestText: try r.manifestText())
    }
}

/// A share-holder's key for one job, as the agents are shown it: its X25519 public key (RFC 7748),
/// made from its own root for the job, its signature on `HolderKeyStatement`, and its certificate.
/// An agent seals a share only for a key whose certificate its own CA signed for that holder.
public struct HolderKey: Sendable, Equatable {
    public var holder: Int
    public var publicKey: [UInt8]
    public var signature: [UInt8]
    public var certificatePEM: String

    public init(holder: Int, publicKey: [UInt8], signature: [UInt8], certificatePEM: String) {
        self.holder = holder; self.publicKey = publicKey; self.signature = signature; self.certificatePEM = certificatePEM
    }

    func write(_ w: inout WireWriter) {
        w.u32(UInt32(holder)); w.blob(publicKey); w.blob(signature); w.blob(Array(certificatePEM.utf8))
    }
    static func read(_ r: inout WireReader) throws -> HolderKey {
        let holder = Int(try r.u32("holder")), key = try r.fixed("public_key", count: 32), signature = try r.signature()
        return HolderKey(holder: holder, publicKey: key, signature: signature, certificatePEM: try r.certificatePEM())
    }
}

/// The share-holder's answer to an offer: the commitment to the root it made for the job and
/// its key for the job (the orchestrator fills `certificatePEM` from the holder's TLS session).
public struct HolderAcceptance: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.holderAcceptance
    public var rootCommitment: String
    public var publicKey: [UInt8]
    public var signature: [UInt8]

    public init(rootCommitment: String, publicKey: [UInt8], signature: [UInt8]) {
        self.rootCommitment = rootCommitment; self.publicKey = publicKey; self.signature = signature
    }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter(); w.blob(Array(rootCommitment.utf8)); w.blob(publicKey); w.blob(signature); return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> HolderAcceptance {
        let commitment = try r.blob("root_commitment")
        guard commitment.count == 64, let text = String(validating: commitment, as: UTF8.self) else {
            throw WireError.invalidValue(field: "root_commitment", reason: "not a SHA-256 in hex")
        }
        return HolderAcceptance(rootCommitment: text, publicKey: try r.fixed("public_key", count: 32), signature: try r.signature())
    }
}

/// The orchestrator asks client `client` to split its held update of `round` among the
/// share-holders, sealing each share for the holder's key. `summands` is the number of clients
/// in the round's sum, which sizes the fixed-point encoding (the agent checks it against its manifest).
public struct AdditiveShareRequest: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.additiveShareRequest
    public var jobId: UInt64
    public var client: Int
    public var round: Int
    public var summands: Int
    public var holders: [HolderKey]

    public init(jobId: UInt64, client: Int, round: Int, summands: Int, holders: [HolderKey]) {
        self.jobId = jobId; self.client = client; self.round = round; self.summands = summands; self.holders = holders
    }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter(); w.u64(jobId); w.u32(UInt32(client)); w.u32(UInt32(round)); w.u32(UInt32(summands))
        w.u64(UInt64(holders.count)); for key in holders { key.write(&w) }
        return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> AdditiveShareRequest {
        let jobId = try r.u64("job_id"), client = Int(try r.u32("client")), round = Int(try r.u32("round")), summands = Int(try r.u32("summands"))
        let count = try r.count("holders", width: 32)
        return AdditiveShareRequest(jobId: jobId, client: client, round: round, summands: summands,
                                    holders: try (0..<count).map { _ in try HolderKey.read(&r) })
    }
}

/// One share as the orchestrator relays it to its holder: sealed under a key agreed between the
/// client's round key and the holder's job key (`ShareSealing`), with the client's signature on
/// `SealedShareStatement`, so the holder knows it comes from a certified agent of this round.
public struct SealedShare: Sendable, Equatable {
    public var holder: Int
    /// SHA-256 of the share's frame: the HKDF salt, so a different share is never sealed under the same key.
    public var salt: [UInt8]
    public var ciphertext: [UInt8]
    public var signature: [UInt8]

    public init(holder: Int, salt: [UInt8], ciphertext: [UInt8], signature: [UInt8]) {
        self.holder = holder; self.salt = salt; self.ciphertext = ciphertext; self.signature = signature
    }

    func write(_ w: inout WireWriter) { w.u32(UInt32(holder)); w.blob(salt); w.blob(ciphertext); w.blob(signature) }
    static func read(_ r: inout WireReader) throws -> SealedShare {
        SealedShare(holder: Int(try r.u32("holder")), salt: try r.fixed("salt", count: 32), ciphertext: try r.blob("ciphertext"),
                    signature: try r.signature())
    }
}

/// A client's shares of one round, one per holder, and its X25519 key of the round; the agent's
/// upload (signed as a whole, `UploadStatement` over the frame's SHA-256).
public struct SealedShares: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.sealedShares
    public var client: Int
    public var round: Int
    public var roundKey: [UInt8]
    public var shares: [SealedShare]

    public init(client: Int, round: Int, roundKey: [UInt8], shares: [SealedShare]) {
        self.client = client; self.round = round; self.roundKey = roundKey; self.shares = shares
    }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter(); w.u32(UInt32(client)); w.u32(UInt32(round)); w.blob(roundKey)
        w.u64(UInt64(shares.count)); for share in shares { share.write(&w) }
        return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> SealedShares {
        let client = Int(try r.u32("client")), round = Int(try r.u32("round")), key = try r.fixed("round_key", count: 32)
        let count = try r.count("shares", width: 32)
        return SealedShares(client: client, round: round, roundKey: key, shares: try (0..<count).map { _ in try SealedShare.read(&r) })
    }

    /// What the agent's upload statement binds: the SHA-256 of this frame.
    public var sha256: String { Digest.sha256Hex(encoded()) }
}

/// One client's share of a round as its holder receives it: the sealed share, the client's round
/// key, and the certificate of the agent that signed it.
public struct HolderContribution: Sendable, Equatable {
    public var client: Int
    public var roundKey: [UInt8]
    public var share: SealedShare
    public var certificatePEM: String

    public init(client: Int, roundKey: [UInt8], share: SealedShare, certificatePEM: String) {
        self.client = client; self.roundKey = roundKey; self.share = share; self.certificatePEM = certificatePEM
    }

    static func write(_ contributions: [HolderContribution], _ w: inout WireWriter) {
        w.u64(UInt64(contributions.count))
        for c in contributions { w.u32(UInt32(c.client)); w.blob(c.roundKey); c.share.write(&w); w.blob(Array(c.certificatePEM.utf8)) }
    }

    static func read(_ r: inout WireReader) throws -> [HolderContribution] {
        let count = try r.count("contributions", width: 64)
        return try (0..<count).map { _ in
            HolderContribution(client: Int(try r.u32("client")), roundKey: try r.fixed("round_key", count: 32), share: try SealedShare.read(&r),
                               certificatePEM: try r.certificatePEM())
        }
    }
}

/// The orchestrator asks holder `holder` for its partial sum of `round` over `contributions`,
/// one per client; the reply is an `AgentStepReply` holding the `PartialSumMessage`, signed
/// (`PartialSumStatement`).
public struct HolderSumRequest: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.holderSumRequest
    public var jobId: UInt64
    public var holder: Int
    public var round: Int
    public var manifestText: String
    public var contributions: [HolderContribution]

    public init(jobId: UInt64, holder: Int, round: Int, manifestText: String, contributions: [HolderContribution]) {
        self.jobId = jobId; self.holder = holder; self.round = round; self.manifestText = manifestText; self.contributions = contributions
    }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter(); w.u64(jobId); w.u32(UInt32(holder)); w.u32(UInt32(round)); w.blob(Array(manifestText.utf8))
        HolderContribution.write(contributions, &w)
        return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> HolderSumRequest {
        let jobId = try r.u64("job_id"), holder = Int(try r.u32("holder")), round = Int(try r.u32("round")), text = try r.manifestText()
        return HolderSumRequest(jobId: jobId, holder: holder, round: round, manifestText: text, contributions: try HolderContribution.read(&r))
    }
}

extension WireReader {
    /// A blob of exactly `count` bytes.
    mutating func fixed(_ field: String, count: Int) throws -> [UInt8] {
        let bytes = try blob(field)
        guard bytes.count == count else { throw WireError.invalidValue(field: field, reason: "\(bytes.count) bytes, not \(count)") }
        return bytes
    }

    /// An ECDSA signature, r ‖ s (at most 256 bytes).
    mutating func signature() throws -> [UInt8] {
        let bytes = try blob("signature")
        guard bytes.count <= 256 else { throw WireError.invalidValue(field: "signature", reason: "\(bytes.count) bytes is too long") }
        return bytes
    }

    /// A certificate in PEM, at most 16 KiB of UTF-8.
    mutating func certificatePEM() throws -> String {
        let bytes = try blob("certificate")
        guard bytes.count <= 1 << 14, let text = String(validating: bytes, as: UTF8.self) else {
            throw WireError.invalidValue(field: "certificate", reason: "not a PEM certificate of at most 16 KiB")
        }
        return text
    }
}
