import Provisioning
import Wire

/// The messages of the agent link, on the common PFW1 frame. Their kinds (20–24) are apart from
/// the round's messages (1–5, 10–16) and the job's (30–33), so a frame of one can never be read as
/// the other.
public enum LinkKind {
    public static let hello: UInt16 = 20
    public static let welcome: UInt16 = 21
    public static let heartbeat: UInt16 = 22
    public static let request: UInt16 = 23
    public static let reply: UInt16 = 24
}

/// What an agent's data folder is, as the agent checked it against its own `SHA256SUMS`: the
/// SHA-256 of that `SHA256SUMS` (which pins every file's bytes) and the number of examples. The
/// orchestrator learns this summary, never the data.
public struct AgentData: Sendable, Equatable, Codable {
    public var sha256: String
    public var examples: Int

    public init(sha256: String, examples: Int) { self.sha256 = sha256; self.examples = examples }
}

/// An agent's first message: who it says it is (the orchestrator compares this with the verified
/// certificate, and refuses a mismatch), its data summary, its privfed version, and the interval
/// it will send heartbeats at (what the orchestrator judges it by).
public struct AgentHello: WireMessage, Equatable {
    public static let wireKind = LinkKind.hello
    public var name: String
    public var role: ParticipantRole
    public var data: AgentData
    public var version: String
    public var heartbeatMilliseconds: UInt32

    public init(name: String, role: ParticipantRole, data: AgentData, version: String, heartbeatMilliseconds: UInt32) {
        self.name = name; self.role = role; self.data = data; self.version = version; self.heartbeatMilliseconds = heartbeatMilliseconds
    }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter()
        w.blob(Array(name.utf8)); w.blob(Array(role.rawValue.utf8)); w.blob(Array(data.sha256.utf8))
        w.u64(UInt64(data.examples)); w.blob(Array(version.utf8)); w.u32(heartbeatMilliseconds)
        return w.bytes
    }

    public static func decodePayload(_ r: inout WireReader) throws -> AgentHello {
        let name = try r.text("name")
        let roleText = try r.text("role")
        guard let role = ParticipantRole(rawValue: roleText) else { throw WireError.invalidValue(field: "role", reason: "\"\(roleText)\" is no participant role") }
        let sha = try r.text("data_sha256")
        guard sha.count == 64, sha.allSatisfy(\.isHexDigit) else { throw WireError.invalidValue(field: "data_sha256", reason: "not 64 hex digits") }
        let examples = try r.u64("examples")
        guard examples <= UInt64(Int32.max) else { throw WireError.invalidValue(field: "examples", reason: "\(examples) is implausible") }
        return AgentHello(name: name, role: role, data: AgentData(sha256: sha, examples: Int(examples)),
                          version: try r.text("version"), heartbeatMilliseconds: try r.u32("heartbeat_ms"))
    }
}

/// The orchestrator's answer to a hello: accepted (with the heartbeat interval it will judge the
/// agent by), or refused with the reason.
public struct AgentWelcome: WireMessage, Equatable {
    public static let wireKind = LinkKind.welcome
    /// nil: accepted.
    public var refusal: String?
    public var heartbeatMilliseconds: UInt32

    public init(refusal: String? = nil, heartbeatMilliseconds: UInt32) { self.refusal = refusal; self.heartbeatMilliseconds = heartbeatMilliseconds }

    public var accepted: Bool { refusal == nil }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter()
        w.u16(accepted ? 1 : 0); w.blob(Array((refusal ?? "").utf8)); w.u32(heartbeatMilliseconds)
        return w.bytes
    }

    public static func decodePayload(_ r: inout WireReader) throws -> AgentWelcome {
        let flag = try r.u16("accepted")
        guard flag <= 1 else { throw WireError.invalidValue(field: "accepted", reason: "\(flag) is neither 0 nor 1") }
        let reason = try r.text("refusal")
        return AgentWelcome(refusal: flag == 1 ? nil : reason, heartbeatMilliseconds: try r.u32("heartbeat_ms"))
    }
}

/// Liveness: the agent sends one every interval, numbered, and the orchestrator echoes it.
public struct Heartbeat: WireMessage, Equatable {
    public static let wireKind = LinkKind.heartbeat
    public var sequence: UInt64

    public init(sequence: UInt64) { self.sequence = sequence }

    public func encodedPayload() -> [UInt8] { var w = WireWriter(); w.u64(sequence); return w.bytes }
    public static func decodePayload(_ r: inout WireReader) throws -> Heartbeat { Heartbeat(sequence: try r.u64("sequence")) }
}

extension WireReader {
    /// A counted UTF-8 string of at most 1 KiB (names, roles, versions, reasons).
    mutating func text(_ field: String) throws -> String {
        let bytes = try blob(field)
        guard bytes.count <= 1024 else { throw WireError.invalidValue(field: field, reason: "\(bytes.count) bytes is too long") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw WireError.invalidValue(field: field, reason: "not UTF-8") }
        return text
    }
}
