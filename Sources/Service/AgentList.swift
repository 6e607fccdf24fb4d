import AgentLink

/// The answer of `GET /api/agents`: whether this server keeps an agent link (`--agent-port`) and
/// the agents it knows, connected, lost or disconnected (issue 14). Names and roles come from the
/// agents' verified certificates; the data summary is what each agent checked of its own folder.
/// Times are in `JSONOutput`'s date form.
struct AgentList: Encodable {
    let agentLink: Bool
    let agents: [ConnectedAgent]

    init(registry: AgentRegistry?) {
        agentLink = registry != nil
        agents = registry?.agents ?? []
    }

    enum CodingKeys: String, CodingKey {
        case agentLink = "agent_link", agents
    }
}
