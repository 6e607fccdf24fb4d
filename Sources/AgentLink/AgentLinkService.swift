import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Provisioning
import Wire
import X509

/// What the orchestrator's end of the link reports, one value per change.
public enum LinkServerEvent: Sendable {
    case listening(port: Int)
    case registry(RegistryEvent)
    /// A peer that passed TLS but whose hello was refused (`peer` is its certificate's name).
    case refused(peer: String, reason: String)
}

/// The `Connect` handler: reads the peer's identity from its verified client certificate (CN =
/// name, OU = role), refuses a hello that claims another, registers the agent, answers its
/// heartbeats, and records when its stream ends.
struct AgentLinkService: RegistrableRPCService {
    let registry: AgentRegistry
    let calls: AgentCalls
    let now: @Sendable () -> Date
    let report: @Sendable (LinkServerEvent) -> Void
    /// Heartbeat intervals the orchestrator accepts, in milliseconds; a hello outside is clamped.
    static let heartbeatRange: ClosedRange<UInt32> = 50...60_000

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(forMethod: LinkMethod.connect, deserializer: FrameDeserializer(), serializer: FrameSerializer()) { request, context in
            self.connect(request, context: context)
        }
    }

    /// The peer the TLS handshake verified and its certificate (PEM), or nil (no certificate
    /// reached the handler).
    static func peer(_ context: ServerContext) -> (participant: Participant, certificatePEM: String)? {
        guard let tls = context.transportSpecific as? HTTP2ServerTransport.Posix.Context, let certificate = tls.peerCertificate,
              let participant = try? Participant(subject: certificate.subject), let pem = ParticipantSignature.pem(certificate) else { return nil }
        return (participant, pem)
    }

    /// Why `hello` from `peer` is refused, or nil.
    static func refusal(of hello: AgentHello, from peer: Participant) -> String? {
        if hello.name != peer.name { return "the hello names \(hello.name), but the certificate is \(peer.name)'s" }
        if hello.role != peer.role { return "the hello claims the role \(hello.role.rawValue), but the certificate says \(peer.role.rawValue)" }
        if peer.role == .orchestrator { return "an orchestrator's certificate cannot join as an agent" }
        return nil
    }

    func connect(_ request: StreamingServerRequest<[UInt8]>, context: ServerContext) -> StreamingServerResponse<[UInt8]> {
        guard let (peer, certificatePEM) = Self.peer(context) else {
            return StreamingServerResponse(error: RPCError(code: .unauthenticated, message: "no verified client certificate"))
        }
        return StreamingServerResponse { writer in
            var frames = request.messages.makeAsyncIterator()
            guard let first = try await frames.next() else { return [:] }
            var hello = try AgentHello.decode(first)
            if let reason = Self.refusal(of: hello, from: peer) {
                report(.refused(peer: peer.name, reason: reason))
                try await writer.write(AgentWelcome(refusal: reason, heartbeatMilliseconds: 0).encoded())
                return [:]
            }
            hello.heartbeatMilliseconds = min(max(hello.heartbeatMilliseconds, Self.heartbeatRange.lowerBound), Self.heartbeatRange.upperBound)
            let (session, joined) = registry.join(hello, now: now())
            try await writer.write(AgentWelcome(heartbeatMilliseconds: hello.heartbeatMilliseconds).encoded())
            report(.registry(joined))
            // One writer per stream: heartbeat echoes and the orchestrator's calls go through the
            // session's queue, drained here while the loop below reads.
            let (queue, outbound) = calls.open(hello.name, session: session, certificatePEM: certificatePEM)
            let name = hello.name
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { for await frame in queue { try await writer.write(frame) } }
                do {
                    while let frame = try await frames.next() {
                        switch try WireFrame.kind(of: frame) {
                        case LinkKind.heartbeat:
                            let beat = try Heartbeat.decode(frame)
                            if let back = registry.heartbeat(name, session: session, now: now()) { report(.registry(back)) }
                            outbound.yield(beat.encoded())
                        case LinkKind.reply:
                            calls.received(try LinkReply.decode(frame), from: name, session: session)
                        case let kind:
                            throw WireError.unexpectedKind(expected: LinkKind.reply, found: kind)
                        }
                    }
                } catch {
                    // A broken stream (the agent killed, the link cut) leaves the agent to the
                    // liveness rule — lost after missed heartbeats — but its calls fail now.
                    calls.close(name, session: session, reason: "its stream broke (\(error))")
                    throw error
                }
                // A clean end of stream is a goodbye.
                calls.close(name, session: session, reason: "it left the link")
                if let left = registry.leave(name, session: session) { report(.registry(left)) }
                try await group.waitForAll()
            }
            return [:]
        }
    }
}
