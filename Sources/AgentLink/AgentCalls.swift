import Foundation
import Synchronization
import Wire

/// The orchestrator's calls to its agents over their open streams: each agent's session has one
/// outbound queue (the stream handler is its only writer), and each call waits for the reply
/// with its id. A call to an agent that is not on the link, whose stream ends, or that does not
/// answer within its timeout fails at once with the reason — the caller decides whether that is a
/// dropout. Late replies are dropped. Shared by every stream handler under one lock; no global state.
public final class AgentCalls: Sendable {
    private struct Session {
        var id: UInt64
        var outbound: AsyncStream<[UInt8]>.Continuation
        /// The certificate the session's TLS handshake verified (PEM): what its signatures are checked against.
        var certificatePEM: String
    }
    private struct Pending {
        var agent: String
        var session: UInt64
        var certificatePEM: String
        var continuation: CheckedContinuation<LinkAnswer, any Error>
    }
    private struct State {
        var sessions: [String: Session] = [:]
        var pending: [UInt64: Pending] = [:]
        var nextCall: UInt64 = 1
    }
    private let state = Mutex(State())

    public init() {}

    /// Opens `agent`'s session `session` and returns the frames the handler must write to it, in
    /// order. A newer session replaces an older one (an agent that reconnected); the older one's
    /// calls fail.
    func open(_ agent: String, session: UInt64, certificatePEM: String) -> (frames: AsyncStream<[UInt8]>, outbound: AsyncStream<[UInt8]>.Continuation) {
        let (frames, outbound) = AsyncStream.makeStream(of: [UInt8].self)
        let replaced = state.withLock { state -> [Pending] in
            let old = state.sessions[agent]
            state.sessions[agent] = Session(id: session, outbound: outbound, certificatePEM: certificatePEM)
            old?.outbound.finish()
            return old.map { Self.take(session: $0.id, from: &state) } ?? []
        }
        for call in replaced { call.continuation.resume(throwing: AgentLinkError.callFailed(agent: agent, reason: "it reconnected before answering")) }
        return (frames, outbound)
    }

    /// `agent`'s session `session` ended: its calls fail, its queue is closed.
    func close(_ agent: String, session: UInt64, reason: String) {
        let failed = state.withLock { state -> [Pending] in
            guard let current = state.sessions[agent], current.id == session else { return [] }
            state.sessions[agent] = nil
            current.outbound.finish()
            return Self.take(session: session, from: &state)
        }
        for call in failed { call.continuation.resume(throwing: AgentLinkError.callFailed(agent: agent, reason: reason)) }
    }

    /// A reply read from `agent`'s session `session`; one that answers no open call of that
    /// session (late, or not its own) is dropped.
    func received(_ reply: LinkReply, from agent: String, session: UInt64) {
        let call = state.withLock { state -> Pending? in
            guard let pending = state.pending[reply.id], pending.agent == agent, pending.session == session else { return nil }
            state.pending[reply.id] = nil
            return pending
        }
        guard let call else { return }
        if let failure = reply.failure {
            call.continuation.resume(throwing: AgentLinkError.callFailed(agent: agent, reason: failure))
        } else {
            call.continuation.resume(returning: LinkAnswer(body: reply.body, certificatePEM: call.certificatePEM))
        }
    }

    /// Sends `body` to `agent` and waits for its reply, at most `timeout`; the answer carries the
    /// certificate of the session it came on.
    /// - Throws: `AgentLinkError.callFailed` naming the agent and why (not on the link, its stream
    ///   ended, its own refusal, or no answer in time).
    public func call(_ agent: String, body: [UInt8], timeout: Duration) async throws -> LinkAnswer {
        let id = state.withLock { state -> UInt64 in
            defer { state.nextCall += 1 }
            return state.nextCall
        }
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.fail(id, agent: agent, reason: "no answer within \(Self.seconds(timeout)) s")
        }
        defer { timer.cancel() }
        // A cancelled caller (the orchestrator stopping) stops waiting at once.
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let sent = state.withLock { state -> Bool in
                    guard let session = state.sessions[agent] else { return false }
                    state.pending[id] = Pending(agent: agent, session: session.id, certificatePEM: session.certificatePEM, continuation: continuation)
                    session.outbound.yield(LinkRequest(id: id, body: body).encoded())
                    return true
                }
                if !sent { continuation.resume(throwing: AgentLinkError.callFailed(agent: agent, reason: "it is not on the link")) }
                if Task.isCancelled { fail(id, agent: agent, reason: "the orchestrator stopped waiting") }
            }
        } onCancel: {
            fail(id, agent: agent, reason: "the orchestrator stopped waiting")
        }
    }

    /// The agents with an open session, by name.
    public var connected: [String] { state.withLock { $0.sessions.keys.sorted() } }

    private func fail(_ id: UInt64, agent: String, reason: String) {
        let call = state.withLock { $0.pending.removeValue(forKey: id) }
        call?.continuation.resume(throwing: AgentLinkError.callFailed(agent: agent, reason: reason))
    }

    private static func take(session: UInt64, from state: inout State) -> [Pending] {
        let ids = state.pending.filter { $0.value.session == session }.map(\.key)
        return ids.compactMap { state.pending.removeValue(forKey: $0) }
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%g", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}

/// An agent's reply to a call, with the certificate its session's TLS handshake verified.
public struct LinkAnswer: Sendable {
    public var body: [UInt8]
    public var certificatePEM: String
}
