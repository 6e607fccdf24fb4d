import Foundation
import Provisioning
import Synchronization

/// One agent as the orchestrator knows it: who (from its verified certificate), since when, its
/// last heartbeat and its data summary.
public struct ConnectedAgent: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        /// On the link, heartbeats on time.
        case connected
        /// Missed `AgentRegistry.missedHeartbeats` intervals without closing its stream.
        case lost
        /// Closed its stream (stopped, or the connection ended).
        case disconnected
    }

    public var name: String
    public var role: ParticipantRole
    public var state: State
    public var connectedSince: Date
    public var lastHeartbeat: Date
    public var heartbeatSeconds: Double
    public var data: AgentData
    public var version: String
    /// How many times it joined; 2 and more are rejoins.
    public var joins: Int

    enum CodingKeys: String, CodingKey {
        case name, role, state, data, version, joins
        case connectedSince = "connected_since", lastHeartbeat = "last_heartbeat", heartbeatSeconds = "heartbeat_seconds"
    }
}

/// What changed in the registry, for the orchestrator's one line per change.
public struct RegistryEvent: Sendable, Equatable {
    public enum Change: String, Sendable {
        case joined, rejoined, lost, disconnected
    }

    public var change: Change
    public var agent: ConnectedAgent
}

/// The orchestrator's agents, shared by every stream handler: one lock around one dictionary, so
/// it is safe from any task, and no global state (the server owns its registry; tests make their
/// own). Time is passed in by the caller, so a test can judge liveness without sleeping.
public final class AgentRegistry: Sendable {
    /// An agent that misses this many heartbeat intervals is lost.
    public static let missedHeartbeats = 3.0

    private struct Entry {
        var agent: ConnectedAgent
        /// Which stream the entry belongs to: a stale stream ending must not mark a rejoined agent gone.
        var session: UInt64
    }

    private let state = Mutex<(entries: [String: Entry], nextSession: UInt64)>(([:], 1))

    public init() {}

    /// Records `hello` (already checked against the certificate) as connected; returns the
    /// stream's session number and the event.
    public func join(_ hello: AgentHello, now: Date) -> (session: UInt64, event: RegistryEvent) {
        state.withLock { state in
            let session = state.nextSession
            state.nextSession += 1
            let joins = (state.entries[hello.name]?.agent.joins ?? 0) + 1
            let agent = ConnectedAgent(name: hello.name, role: hello.role, state: .connected, connectedSince: now, lastHeartbeat: now,
                                       heartbeatSeconds: Double(hello.heartbeatMilliseconds) / 1000, data: hello.data,
                                       version: hello.version, joins: joins)
            state.entries[hello.name] = Entry(agent: agent, session: session)
            return (session, RegistryEvent(change: joins == 1 ? .joined : .rejoined, agent: agent))
        }
    }

    /// A heartbeat of `name` on `session`; a lost agent that beats again is connected again
    /// (and reported rejoined).
    public func heartbeat(_ name: String, session: UInt64, now: Date) -> RegistryEvent? {
        state.withLock { state in
            guard var entry = state.entries[name], entry.session == session else { return nil }
            entry.agent.lastHeartbeat = now
            let wasLost = entry.agent.state == .lost
            entry.agent.state = .connected
            if wasLost { entry.agent.joins += 1 }
            state.entries[name] = entry
            return wasLost ? RegistryEvent(change: .rejoined, agent: entry.agent) : nil
        }
    }

    /// `name`'s stream `session` ended; nothing if the agent has joined again on a newer stream.
    public func leave(_ name: String, session: UInt64) -> RegistryEvent? {
        state.withLock { state in
            guard var entry = state.entries[name], entry.session == session, entry.agent.state != .disconnected else { return nil }
            entry.agent.state = .disconnected
            state.entries[name] = entry
            return RegistryEvent(change: .disconnected, agent: entry.agent)
        }
    }

    /// Marks lost every connected agent whose last heartbeat is more than
    /// `missedHeartbeats` of its intervals before `now`; returns those.
    public func sweep(now: Date) -> [RegistryEvent] {
        state.withLock { state in
            var events: [RegistryEvent] = []
            for (name, var entry) in state.entries where entry.agent.state == .connected {
                guard now.timeIntervalSince(entry.agent.lastHeartbeat) > Self.missedHeartbeats * entry.agent.heartbeatSeconds else { continue }
                entry.agent.state = .lost
                state.entries[name] = entry
                events.append(RegistryEvent(change: .lost, agent: entry.agent))
            }
            return events.sorted { $0.agent.name < $1.agent.name }
        }
    }

    /// Every agent ever joined, by name.
    public var agents: [ConnectedAgent] {
        state.withLock { $0.entries.values.map(\.agent).sorted { $0.name < $1.name } }
    }
}
