import Wire

/// The job's messages between the orchestrator and an agent (issue 14), carried as the bodies of
/// the agent link's calls (`LinkRequest` / `LinkReply`). Their kinds (30–37) are apart from the
/// round's (1–5, 10–17) and the link's (20–24). The secure-aggregation and HE steps are in
/// AgentStepMessages.swift.
public enum AgentJobKind {
    public static let offer: UInt16 = 30
    public static let acceptance: UInt16 = 31
    public static let trainRequest: UInt16 = 32
    public static let trainReply: UInt16 = 33
    public static let updateHeld: UInt16 = 34
    public static let secAggStep: UInt16 = 35
    public static let stepReply: UInt16 = 36
    public static let heStep: UInt16 = 37
}

/// The orchestrator offers job `jobId` to an agent, as client `client`, with the manifest's text.
/// The agent reads the manifest itself and decides: what it will run is what the text says.
public struct JobOffer: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.offer
    public var jobId: UInt64
    public var client: Int
    public var manifestText: String

    public init(jobId: UInt64, client: Int, manifestText: String) { self.jobId = jobId; self.client = client; self.manifestText = manifestText }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter(); w.u64(jobId); w.u32(UInt32(client)); w.blob(Array(manifestText.utf8)); return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> JobOffer {
        JobOffer(jobId: try r.u64("job_id"), client: Int(try r.u32("client")), manifestText: try r.manifestText())
    }
}

/// The agent's answer to an offer: its example count and the commitment to the secret root it
/// made for the job (SHA-256 of owner and root: it reveals nothing, and binds the agent to the
/// root it will train with), or why it refuses.
public struct JobAcceptance: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.acceptance
    public var examples: Int
    public var rootCommitment: String

    public init(examples: Int, rootCommitment: String) { self.examples = examples; self.rootCommitment = rootCommitment }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter(); w.u64(UInt64(examples)); w.blob(Array(rootCommitment.utf8)); return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> JobAcceptance {
        let examples = try r.u64("examples")
        guard (1...UInt64(Int32.max)).contains(examples) else { throw WireError.invalidValue(field: "examples", reason: "\(examples) is implausible") }
        let commitment = String(decoding: try r.blob("root_commitment"), as: UTF8.self)
        guard commitment.count == 64, commitment.allSatisfy(\.isHexDigit) else {
            throw WireError.invalidValue(field: "root_commitment", reason: "not 64 hex digits")
        }
        return JobAcceptance(examples: Int(examples), rootCommitment: commitment)
    }
}

/// One round's work for one agent: the broadcast model (a `GlobalModelMessage` frame), the
/// round's learning rate and, under example-level DP, the noise multiplier the plan calibrated.
/// The manifest's text travels with every request, so an agent that restarted mid-job needs no
/// state from the orchestrator to rejoin: it reads its root and ledger from its own disk.
public struct TrainRequest: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.trainRequest
    public var jobId: UInt64
    public var client: Int
    public var round: Int
    public var learningRate: Double
    /// 0 without differential privacy.
    public var noiseMultiplier: Double
    public var manifestText: String
    public var global: [UInt8]

    public init(jobId: UInt64, client: Int, round: Int, learningRate: Double, noiseMultiplier: Double, manifestText: String, global: [UInt8]) {
        self.jobId = jobId; self.client = client; self.round = round; self.learningRate = learningRate
        self.noiseMultiplier = noiseMultiplier; self.manifestText = manifestText; self.global = global
    }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter()
        w.u64(jobId); w.u32(UInt32(client)); w.u32(UInt32(round)); w.u64(learningRate.bitPattern); w.u64(noiseMultiplier.bitPattern)
        w.blob(Array(manifestText.utf8)); w.blob(global)
        return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> TrainRequest {
        let jobId = try r.u64("job_id"), client = Int(try r.u32("client")), round = Int(try r.u32("round"))
        let lr = Double(bitPattern: try r.u64("learning_rate"))
        guard lr.isFinite, lr > 0 else { throw WireError.invalidValue(field: "learning_rate", reason: "\(lr) is not a positive number") }
        let sigma = Double(bitPattern: try r.u64("noise_multiplier"))
        guard sigma.isFinite, sigma >= 0 else { throw WireError.invalidValue(field: "noise_multiplier", reason: "\(sigma) is not a number ≥ 0") }
        return TrainRequest(jobId: jobId, client: client, round: round, learningRate: lr, noiseMultiplier: sigma,
                            manifestText: try r.manifestText(), global: try r.blob("global"))
    }
}

/// The agent's update for the round (a `ClientUpdateMessage` frame), its signature on the
/// upload (`UploadStatement`, with its kit's key), its DP-SGD steps, and the ε its own ledger says
/// the job has spent so far (RDP, at the manifest's δ) — public numbers the aggregator may record.
public struct TrainReply: WireMessage, Equatable {
    public static let wireKind = AgentJobKind.trainReply
    public var update: [UInt8]
    public var signature: [UInt8]
    public var steps: Int
    public var epsilonSpent: Double

    public init(update: [UInt8], signature: [UInt8], steps: Int, epsilonSpent: Double) {
        self.update = update; self.signature = signature; self.steps = steps; self.epsilonSpent = epsilonSpent
    }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter(); w.blob(update); w.blob(signature); w.u32(UInt32(steps)); w.u64(epsilonSpent.bitPattern); return w.bytes
    }
    public static func decodePayload(_ r: inout WireReader) throws -> TrainReply {
        let update = try r.blob("update"), signature = try r.blob("signature")
        guard signature.count <= 256 else { throw WireError.invalidValue(field: "signature", reason: "\(signature.count) bytes is too long") }
        return TrainReply(update: update, signature: signature, steps: Int(try r.u32("steps")),
                          epsilonSpent: Double(bitPattern: try r.u64("epsilon_spent")))
    }
}

extension WireReader {
    /// A manifest's UTF-8 text, at most 1 MiB.
    mutating func manifestText() throws -> String {
        let bytes = try blob("manifest")
        guard bytes.count <= 1 << 20 else { throw WireError.invalidValue(field: "manifest", reason: "\(bytes.count) bytes is too long") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw WireError.invalidValue(field: "manifest", reason: "not UTF-8") }
        return text
    }
}
