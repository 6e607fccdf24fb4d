/// The orchestrator's view of clients that run as agents on their own machines (issue 14): the
/// runner's `RemoteTrainStage` asks for a round's training through it and gets back each
/// client's reply or the reason it has none. The agent link lives behind it (privfed's
/// `LinkedClients`), so the pipeline never imports the network.
public protocol RemoteClients: Sendable {
    /// The agent that is client `client`, for messages and records.
    func agent(of client: Int) -> String
    /// The job as the agents sign it: the orchestrator's job id and the manifest text's SHA-256.
    var jobId: UInt64 { get }
    var manifestSha256: String { get }
    /// Sends `work` to every client in `clients` at once (as a `TrainRequest` of the job) and
    /// waits at most `deadline` for their replies. A client without a reply by then — lost, cut
    /// off, refusing, or late — is a dropout, with the reason.
    func train(_ work: RoundWork, clients: [Int], deadline: Duration) -> [Int: Result<RemoteUpload, RemoteFailure>]
    /// Sends each client its job message (`bodies[k]`, e.g. a `SecAggStepRequest`) at once and
    /// waits at most `deadline` for the replies; a client without one is a dropout, with the reason.
    func call(_ bodies: [Int: [UInt8]], deadline: Duration) -> [Int: Result<RemoteAnswer, RemoteFailure>]
    /// The signal that asked the job to stop while it waited for its agents, or nil.
    var stopSignal: Int32? { get }
    /// The job's share-holders on their own machines (additive sharing), or nil without.
    var shareHolders: RemoteShareHolders? { get }
}

/// A job's share-holders as the orchestrator reaches them: holder h is `names[h]`, with the key
/// it signed for the job (`keys[h]`, its certificate from its TLS session), and `call` sends each
/// holder its message and waits at most the deadline for the replies.
public struct RemoteShareHolders: Sendable {
    public var names: [String]
    public var keys: [HolderKey]
    public var manifestText: String
    public var call: @Sendable (_ bodies: [Int: [UInt8]], _ deadline: Duration) -> [Int: Result<RemoteAnswer, RemoteFailure>]

    public init(names: [String], keys: [HolderKey], manifestText: String,
                call: @escaping @Sendable ([Int: [UInt8]], Duration) -> [Int: Result<RemoteAnswer, RemoteFailure>]) {
        self.names = names; self.keys = keys; self.manifestText = manifestText; self.call = call
    }
}

/// A job message's reply as it arrived, with the certificate its session's TLS handshake verified.
public struct RemoteAnswer: Sendable {
    public var body: [UInt8]
    public var certificatePEM: String

    public init(body: [UInt8], certificatePEM: String) { self.body = body; self.certificatePEM = certificatePEM }
}

extension RemoteClients {
    public var stopSignal: Int32? { nil }
    public var shareHolders: RemoteShareHolders? { nil }
}

/// A client's reply as it arrived, with the certificate its session's TLS handshake verified
/// (what its signature is checked against).
public struct RemoteUpload: Sendable {
    public var reply: TrainReply
    public var certificatePEM: String

    public init(reply: TrainReply, certificatePEM: String) { self.reply = reply; self.certificatePEM = certificatePEM }
}

/// What a round asks of each client: the broadcast model (a `GlobalModelMessage` frame), the
/// learning rate, and the noise multiplier under example-level DP (0 without).
public struct RoundWork: Sendable {
    public var round: Int
    public var learningRate: Double
    public var noiseMultiplier: Double
    public var global: [UInt8]
}

/// Why a remote client has no reply this round.
public struct RemoteFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
