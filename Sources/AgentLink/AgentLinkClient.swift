import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Provisioning
import Synchronization
import Wire

/// What the agent's end of the link reports: only changes of state, so a log has one line per
/// change however long the orchestrator stays away.
public enum LinkClientEvent: Sendable, Equatable {
    /// Welcomed; `rejoin` after the first time. `heartbeat` is the interval the orchestrator took.
    case connected(rejoin: Bool, heartbeatSeconds: Double)
    /// A welcomed session ended for `reason`; the agent dials again.
    case lostConnection(reason: String)
    /// The first of a run of failed dials (`reason`); quiet until one succeeds.
    case unreachable(reason: String)
}

/// An agent's outward-only connection to its orchestrator: mutual TLS with its kit, a hello,
/// heartbeats at its interval, and redialling with capped exponential backoff whenever the
/// orchestrator goes away — until `stop` says so or the orchestrator refuses it.
public struct AgentLinkClient: Sendable {
    public let kit: LoadedKit
    public let orchestrator: OrchestratorAddress
    public let hello: AgentHello
    public var backoff = ReconnectBackoff()

    /// - Throws: `AgentLinkError.wrongRole` for an orchestrator's kit.
    public init(kit: LoadedKit, orchestrator: OrchestratorAddress, data: AgentData, version: String, heartbeatSeconds: Double) throws {
        guard kit.participant.role != .orchestrator else {
            throw AgentLinkError.wrongRole(name: kit.participant.name, role: kit.participant.role.rawValue, needed: "agent or share-holder")
        }
        self.kit = kit; self.orchestrator = orchestrator
        self.hello = AgentHello(name: kit.participant.name, role: kit.participant.role, data: data, version: version,
                                heartbeatMilliseconds: UInt32(clamping: Int((heartbeatSeconds * 1000).rounded())))
    }

    /// How one session ended.
    enum SessionEnd { case stopped, lost(String), unreachable(String) }

    /// Answers one call of the orchestrator: the reply body, or an error whose text goes back as
    /// the failure.
    public typealias CallHandler = @Sendable ([UInt8]) async throws -> [UInt8]

    /// Stays on the link until `stop` returns true (polled every 50 ms), answering the
    /// orchestrator's calls with `handle` (several may run at once; heartbeats go on meanwhile).
    /// - Throws: `AgentLinkError.refused` when the orchestrator refuses the hello.
    public func run(stop: @escaping @Sendable () -> Bool, report: @escaping @Sendable (LinkClientEvent) -> Void,
                    handle: @escaping CallHandler = { _ in throw AgentLinkError.noCalls }) async throws {
        var backoff = self.backoff, generator = SystemRandomNumberGenerator()
        var welcomed = false, quiet = false
        while !stop() {
            let welcome = Mutex(false), rejoin = welcomed
            let end = try await session(stop: stop, handle: handle) { heartbeat in
                welcome.withLock { $0 = true }
                report(.connected(rejoin: rejoin, heartbeatSeconds: heartbeat))
            }
            let wasWelcomed = welcome.withLock { $0 }
            if wasWelcomed { welcomed = true; quiet = false; backoff.reset() }
            switch end {
            case .stopped: return
            case .lost(let reason), .unreachable(let reason):
                if wasWelcomed { report(.lostConnection(reason: reason)) } else if !quiet { report(.unreachable(reason: reason)); quiet = true }
            }
            let wait = backoff.next(using: &generator)
            let until = ContinuousClock.now + .milliseconds(Int(wait * 1000))
            while !stop(), ContinuousClock.now < until { try? await Task.sleep(for: .milliseconds(50)) }
        }
    }

    private var target: any ResolvableTarget {
        if orchestrator.isIPv4 { return ResolvableTargets.IPv4.ipv4(address: orchestrator.host, port: orchestrator.port) }
        if orchestrator.isIPv6 { return ResolvableTargets.IPv6.ipv6(address: orchestrator.host, port: orchestrator.port) }
        return ResolvableTargets.DNS.dns(host: orchestrator.host, port: orchestrator.port)
    }

    /// One connection: hello, welcome, then heartbeats and answers to calls until `stop` or until
    /// the link fails. Heartbeats and replies share one outbound queue, the request stream's only
    /// writer.
    private func session(stop: @escaping @Sendable () -> Bool, handle: @escaping CallHandler,
                         welcomed: @escaping @Sendable (Double) -> Void) async throws -> SessionEnd {
        let hello = self.hello
        let interval = HeartbeatInterval(Double(hello.heartbeatMilliseconds) / 1000)
        var options = CallOptions.defaults
        options.waitForReady = false
        // What the orchestrator sends on the stream, up to the link's largest frame.
        options.maxRequestMessageBytes = LinkMethod.maximumFrameBytes
        options.maxResponseMessageBytes = LinkMethod.maximumFrameBytes
        let (queue, outbound) = AsyncStream.makeStream(of: [UInt8].self)
        do {
            let transport = try HTTP2ClientTransport.Posix(target: target, transportSecurity: LinkTLS.client(kit))
            return try await withGRPCClient(transport: transport) { client in
                let request = StreamingClientRequest(of: [UInt8].self) { writer in
                    try await writer.write(hello.encoded())
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask {
                            var sequence: UInt64 = 0
                            var next = ContinuousClock.now
                            while !stop(), !Task.isCancelled {
                                next += .milliseconds(Int(interval.seconds * 1000))
                                while !stop(), !Task.isCancelled, ContinuousClock.now < next {
                                    try? await Task.sleep(for: .milliseconds(min(50, max(1, Int(interval.seconds * 250)))))
                                }
                                if stop() || Task.isCancelled { break }
                                sequence += 1
                                outbound.yield(Heartbeat(sequence: sequence).encoded())
                            }
                            outbound.finish()
                        }
                        for await frame in queue {
                            do { try await writer.write(frame) } catch { break }
                        }
                        group.cancelAll()
                    }
                }
                return try await client.bidirectionalStreaming(request: request, descriptor: LinkMethod.connect, serializer: FrameSerializer(),
                                                               deserializer: FrameDeserializer(), options: options) { response in
                    defer { outbound.finish() }
                    var frames = response.messages.makeAsyncIterator()
                    guard let first = try await frames.next() else { return SessionEnd.lost("the orchestrator closed the stream before its welcome") }
                    let welcome = try AgentWelcome.decode(first)
                    if let refusal = welcome.refusal { throw AgentLinkError.refused(refusal) }
                    let seconds = Double(welcome.heartbeatMilliseconds) / 1000
                    interval.seconds = seconds
                    welcomed(seconds)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        while let frame = try await frames.next() {
                            switch try WireFrame.kind(of: frame) {
                            case LinkKind.heartbeat: _ = try Heartbeat.decode(frame)
                            case LinkKind.request:
                                let call = try LinkRequest.decode(frame)
                                group.addTask {
                                    let reply: LinkReply
                                    do { reply = LinkReply(id: call.id, body: try await handle(call.body)) } catch {
                                        reply = LinkReply(id: call.id, failure: "\(error)")
                                    }
                                    outbound.yield(reply.encoded())
                                }
                            case let kind: throw WireError.unexpectedKind(expected: LinkKind.request, found: kind)
                            }
                        }
                    }
                    return stop() ? SessionEnd.stopped : SessionEnd.lost("the orchestrator ended the stream")
                }
            }
        } catch let error as AgentLinkError {
            throw error
        } catch {
            if stop() { return .stopped }
            return .unreachable(Self.reason(error))
        }
    }

    /// A one-line reason from a gRPC or transport error.
    static func reason(_ error: any Error) -> String {
        if let rpc = error as? RPCError {
            return "\(rpc.code): \(rpc.message)" + (rpc.cause.map { " (\($0))" } ?? "")
        }
        return "\(error)"
    }
}

/// The heartbeat interval of one session: the agent's until the welcome, then the orchestrator's.
private final class HeartbeatInterval: Sendable {
    private let value: Mutex<Double>
    init(_ seconds: Double) { value = Mutex(seconds) }
    var seconds: Double {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
