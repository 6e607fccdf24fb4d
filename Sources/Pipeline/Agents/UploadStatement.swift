import Wire

/// What an agent signs when it releases a round's update (issue 14): the job (the orchestrator's
/// id and the SHA-256 of the manifest text), the round, the client it is, and the SHA-256 of the
/// delta (`Digest.sha256Hex(floats:)`, the ledger's `output_sha256`). Binding all five, a signed
/// upload cannot be replayed into another round, job or client's slot, and under DP the audit
/// ties each signature to its ledger row.
public struct UploadStatement: Sendable, Equatable {
    public var jobId: UInt64
    public var manifestSha256: String
    public var round: Int
    public var client: Int
    public var deltaSha256: String

    public init(jobId: UInt64, manifestSha256: String, round: Int, client: Int, deltaSha256: String) {
        self.jobId = jobId; self.manifestSha256 = manifestSha256; self.round = round; self.client = client; self.deltaSha256 = deltaSha256
    }

    /// The signed bytes: a domain tag, then the fields in a fixed little-endian layout.
    public var bytes: [UInt8] {
        var w = WireWriter()
        w.blob(Array("privfed.upload.v1".utf8)); w.u64(jobId); w.blob(Array(manifestSha256.utf8))
        w.u32(UInt32(round)); w.u32(UInt32(client)); w.blob(Array(deltaSha256.utf8))
        return w.bytes
    }
}
