import ResultsStore
import SecureComputation
import Wire

/// What an agent answers a `TrainRequest` of a secure-aggregation job with, in place of its
/// update (`TrainReply.update`): it trained, and it keeps the update on its own machine for the
/// round's SecAgg steps. Only the public FedAvg weight leaves it.
public struct UpdateHeld: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.updateHeld
    public var client: Int
    public var round: Int
    public var sampleCount: Int

    public init(client: Int, round: Int, sampleCount: Int) { self.client = client; self.round = round; self.sampleCount = sampleCount }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter(); w.u32(UInt32(client)); w.u32(UInt32(round)); w.u64(UInt64(sampleCount)); return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> UpdateHeld {
        let client = Int(try r.u32("client")), round = Int(try r.u32("round")), samples = try r.u64("sample_count")
        guard samples <= UInt64(Int32.max) else { throw WireError.invalidValue(field: "sample_count", reason: "\(samples) is implausible") }
        return UpdateHeld(client: client, round: round, sampleCount: Int(samples))
    }
}

/// The steps of SecAgg (Bonawitz et al. 2017, figure 4) that an agent answers, each one call of
/// the link. The server's side is `SecAggServer` at the orchestrator (`SecureSum+Remote.swift`).
public enum SecAggStep: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Round 0: the body is the `SecAggRoundSetup`; the reply the client's `SecAggPublicKeys`.
    case advertiseKeys = 0
    /// Round 1: body `SecAggKeyDirectory`, reply `SecAggShareKeysMessage`.
    case shareKeys = 1
    /// Round 2: body `SecAggRoutedShares`, reply `SecAggMaskedInput`, signed (`UploadStatement`
    /// over the SHA-256 of the masked input's frame).
    case maskedInput = 2
    /// Round 4: body `SecAggUnmaskingRequest`, reply `SecAggUnmaskingResponse`.
    case unmasking = 3

    /// The step's name in `PRIVFED_FAULT_INJECT` (`round:R:secagg:NAME`) and in the agent's lines.
    public var description: String {
        switch self {
        case .advertiseKeys: return "advertise-keys"
        case .shareKeys: return "share-keys"
        case .maskedInput: return "masked-input"
        case .unmasking: return "unmasking"
        }
    }
}

/// The orchestrator asks client `client` of job `jobId` for one SecAgg step of `round`.
public struct SecAggStepRequest: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.secAggStep
    public var jobId: UInt64
    public var client: Int
    public var round: Int
    public var step: SecAggStep
    /// The step's server message as a frame (see `SecAggStep`).
    public var body: [UInt8]

    public init(jobId: UInt64, client: Int, round: Int, step: SecAggStep, body: [UInt8]) {
        self.jobId = jobId; self.client = client; self.round = round; self.step = step; self.body = body
    }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter(); w.u64(jobId); w.u32(UInt32(client)); w.u32(UInt32(round)); w.u16(UInt16(step.rawValue)); w.blob(body); return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> SecAggStepRequest {
        let jobId = try r.u64("job_id"), client = Int(try r.u32("client")), round = Int(try r.u32("round"))
        let raw = try r.u16("step")
        guard raw <= UInt16(UInt8.max), let step = SecAggStep(rawValue: UInt8(raw)) else {
            throw WireError.invalidValue(field: "step", reason: "\(raw) is no SecAgg step")
        }
        return SecAggStepRequest(jobId: jobId, client: client, round: round, step: step, body: try r.blob("body"))
    }
}

/// The agent's message for a step of a protocol it runs with the orchestrator (SecAgg, HE), and
/// for an upload (the masked input, the encrypted update) its signature.
public struct AgentStepReply: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.stepReply
    public var message: [UInt8]
    /// Empty except for an upload.
    public var signature: [UInt8]

    public init(message: [UInt8], signature: [UInt8] = []) { self.message = message; self.signature = signature }

    public func encodedPayload() -> [UInt8] { var w = WireWriter(); w.blob(message); w.blob(signature); return w.bytes }
    public static func decodePayload(_ r: inout WireReader) throws -> AgentStepReply {
        AgentStepReply(message: try r.blob("message"), signature: try r.signature())
    }
}

extension SecAggMaskedInput {
    /// What an agent's upload statement binds for a masked input: the SHA-256 of its frame.
    public var sha256: String { Digest.sha256Hex(encoded()) }
}

/// The orchestrator asks client `client` of job `jobId` for one HE step of `round`, the step
/// named by the `HEBlobsMessage` inside (Mouchet et al. 2021): `publicKeyShare` (its share of the
/// round's key epoch; no blobs), `publicKey` (encrypt the held update under this collective key:
/// the reply is its encrypted `ClientUpdateMessage`, signed), `aggregateDownload` (its smudged
/// decryption shares of this aggregate: the reply is a `decryptionShares` message).
public struct HEStepRequest: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.heStep
    public var jobId: UInt64
    public var client: Int
    public var round: Int
    public var message: HEBlobsMessage

    public init(jobId: UInt64, client: Int, round: Int, message: HEBlobsMessage) {
        self.jobId = jobId; self.client = client; self.round = round; self.message = message
    }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter(); w.u64(jobId); w.u32(UInt32(client)); w.u32(UInt32(round)); w.blob(message.encoded()); return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> HEStepRequest {
        let jobId = try r.u64("job_id"), client = Int(try r.u32("client")), round = Int(try r.u32("round"))
        return HEStepRequest(jobId: jobId, client: client, round: round, message: try HEBlobsMessage.decode(try r.blob("message")))
    }
}
