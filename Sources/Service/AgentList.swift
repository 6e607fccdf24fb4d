import AgentLink
import Foundation

/// The answer of `GET /api/agents`: whether this server keeps an agent link (`--agent-port`) and
/// the agents it knows, connected, lost or disconnected (issue 14). Names and roles come from the
/// agents' verified certificates; the data summary is what each agent checked of its own folder.
struct AgentList: Encodable {
    let agentLink: Bool
    let agents: [Entry]

    /// One agent, its times in ISO 8601 (UTC).
    struct Entry: Encodable {
        let name: String
        let role: String
        let state: String
        let connectedSince: String
        let lastHeartbeat: String
        let heartbeatSeconds: Double
        let data: AgentData
        let version: String
        let joins: Int

        init(_ agent: ConnectedAgent) {
            let time = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
            name = agent.name; role = agent.role.rawValue; state = agent.state.rawValue
            connectedSince = agent.connectedSince.formatted(time); lastHeartbeat = agent.lastHeartbeat.formatted(time)
            heartbeatSeconds = agent.heartbeatSeconds; data = agent.data; version = agent.version; joins = agent.joins
        }

        enum CodingKeys: String, CodingKey {
            case name, role, state, data, version, joins
            case connectedSince = "connected_since", lastHeartbeat = "last_heartbeat", heartbeatSeconds = "heartbeat_seconds"
        }
    }

    init(registry: AgentRegistry?) {
        agentLink = registry != nil
        agents = registry?.agents.map(Entry.init) ?? []
    }

    enum CodingKeys: String, CodingKey {
        case agentLink = "agent_link", agents
    }
}
