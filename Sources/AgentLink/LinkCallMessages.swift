import Wire

/// A call from the orchestrator to one agent: an id the reply answers, and an opaque body (a
/// job message the link does not read). The link is job-agnostic: it carries calls and replies,
/// the pipeline decides what they mean.
public struct LinkRequest: WireMessage, Equatable {
    public static let wireKind = LinkKind.request
    public var id: UInt64
    public var body: [UInt8]

    public init(id: UInt64, body: [UInt8]) { self.id = id; self.body = body }

    public func encodedPayload() -> [UInt8] { var w = WireWriter(); w.u64(id); w.blob(body); return w.bytes }
    public static func decodePayload(_ r: inout WireReader) throws -> LinkRequest {
        LinkRequest(id: try r.u64("id"), body: try r.blob("body"))
    }
}

/// An agent's answer to `LinkRequest` `id`: the reply body, or why the agent would not or could not
/// answer (a refusal it chose, such as its own privacy budget, travels here as text).
public struct LinkReply: WireMessage, Equatable {
    public static let wireKind = LinkKind.reply
    public var id: UInt64
    /// nil: answered with `body`.
    public var failure: String?
    public var body: [UInt8]

    public init(id: UInt64, body: [UInt8]) { self.id = id; self.failure = nil; self.body = body }
    /// A failure of at most 1,000 bytes (a longer reason is cut, at a character boundary).
    public init(id: UInt64, failure: String) {
        self.id = id
        self.failure = failure.utf8.count <= 1000 ? failure : String(decoding: Array(failure.utf8.prefix(1000)), as: UTF8.self)
        self.body = []
    }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter()
        w.u64(id); w.u16(failure == nil ? 1 : 0); w.blob(Array((failure ?? "").utf8)); w.blob(body)
        return w.bytes
    }

    public static func decodePayload(_ r: inout WireReader) throws -> LinkReply {
        let id = try r.u64("id")
        let flag = try r.u16("answered")
        guard flag <= 1 else { throw WireError.invalidValue(field: "answered", reason: "\(flag) is neither 0 nor 1") }
        let failure = try r.text("failure")
        let body = try r.blob("body")
        return flag == 1 ? LinkReply(id: id, body: body) : LinkReply(id: id, failure: failure)
    }
}
