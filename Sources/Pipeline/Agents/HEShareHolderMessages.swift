import Wire

/// DP + HE + MPC between agents, share-holders and the orchestrator (issue 14): each agent, a key
/// holder of the epoch's collective key, re-shares its secret-key share among the M share-holders
/// (`SecretKeyResharing`), each fragment sealed for its holder (`ShareSealing`, purpose
/// `keyFragment`) and relayed by the orchestrator; the holders then make the round's decryption
/// shares, so an agent may leave once it uploaded.
extension AgentJobKind {
    public static let keyFragmentRequest: UInt16 = 43
    public static let holderKeyRequest: UInt16 = 44
    public static let holderDecryptRequest: UInt16 = 45
}

/// The orchestrator asks client `client` to re-share its key share of `epoch` among the holders
/// whose keys it names (`round` is the round that opened the epoch, whose update it holds). The
/// answer is an `AgentStepReply` holding `SealedShares` with `round` = the epoch.
public struct KeyFragmentRequest: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.keyFragmentRequest
    public var jobId: UInt64
    public var client: Int
    public var round: Int
    public var epoch: Int
    public var holders: [HolderKey]

    public init(jobId: UInt64, client: Int, round: Int, epoch: Int, holders: [HolderKey]) {
        self.jobId = jobId; self.client = client; self.round = round; self.epoch = epoch; self.holders = holders
    }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter(); w.u64(jobId); w.u32(UInt32(client)); w.u32(UInt32(round)); w.u32(UInt32(epoch))
        w.u64(UInt64(holders.count)); for key in holders { key.write(&w) }
        return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> KeyFragmentRequest {
        let jobId = try r.u64("job_id"), client = Int(try r.u32("client")), round = Int(try r.u32("round")), epoch = Int(try r.u32("epoch"))
        let count = try r.count("holders", width: 32)
        return KeyFragmentRequest(jobId: jobId, client: client, round: round, epoch: epoch, holders: try (0..<count).map { _ in try HolderKey.read(&r) })
    }
}

/// The orchestrator hands holder `holder` every key holder's sealed fragment of `epoch` for it;
/// the holder sums them into its share S_h of the epoch's secret and keeps it (memory only). The
/// answer is an empty `AgentStepReply`.
public struct HolderKeyRequest: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.holderKeyRequest
    public var jobId: UInt64
    public var holder: Int
    public var epoch: Int
    public var manifestText: String
    public var contributions: [HolderContribution]

    public init(jobId: UInt64, holder: Int, epoch: Int, manifestText: String, contributions: [HolderContribution]) {
        self.jobId = jobId; self.holder = holder; self.epoch = epoch; self.manifestText = manifestText; self.contributions = contributions
    }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter(); w.u64(jobId); w.u32(UInt32(holder)); w.u32(UInt32(epoch)); w.blob(Array(manifestText.utf8))
        HolderContribution.write(contributions, &w)
        return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> HolderKeyRequest {
        let jobId = try r.u64("job_id"), holder = Int(try r.u32("holder")), epoch = Int(try r.u32("epoch")), text = try r.manifestText()
        return HolderKeyRequest(jobId: jobId, holder: holder, epoch: epoch, manifestText: text, contributions: try HolderContribution.read(&r))
    }
}

/// The orchestrator asks holder `holder` for its smudged decryption shares of round `round`'s
/// aggregate (`download`, an `aggregateDownload` `HEBlobsMessage`); the answer is an
/// `AgentStepReply` holding a `holderDecryptionShares` message.
public struct HolderDecryptRequest: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.holderDecryptRequest
    public var jobId: UInt64
    public var holder: Int
    public var round: Int
    public var manifestText: String
    public var download: HEBlobsMessage

    public init(jobId: UInt64, holder: Int, round: Int, manifestText: String, download: HEBlobsMessage) {
        self.jobId = jobId; self.holder = holder; self.round = round; self.manifestText = manifestText; self.download = download
    }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter(); w.u64(jobId); w.u32(UInt32(holder)); w.u32(UInt32(round)); w.blob(Array(manifestText.utf8)); w.blob(download.encoded())
        return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> HolderDecryptRequest {
        let jobId = try r.u64("job_id"), holder = Int(try r.u32("holder")), round = Int(try r.u32("round")), text = try r.manifestText()
        return HolderDecryptRequest(jobId: jobId, holder: holder, round: round, manifestText: text, download: try HEBlobsMessage.decode(try r.blob("download")))
    }
}
