/// Why the agent link cannot go on; each says what to change.
public enum AgentLinkError: Error, CustomStringConvertible, Equatable {
    case badAddress(String)
    /// The orchestrator answered the hello with a refusal; retrying would be refused again.
    case refused(String)
    /// The kit is not the role this end of the link needs.
    case wrongRole(name: String, role: String, needed: String)
    case cannotListen(String)
    /// A call to an agent got no answer: it is not on the link, its stream ended, it refused, or
    /// the deadline passed.
    case callFailed(agent: String, reason: String)
    /// This end of the link was started without a handler for the orchestrator's calls.
    case noCalls

    public var description: String {
        switch self {
        case .badAddress(let text): return "orchestrator address \"\(text)\": expected HOST:PORT with a port in 1...65535"
        case .refused(let reason): return "the orchestrator refused this agent: \(reason)"
        case .wrongRole(let name, let role, let needed): return "the kit of \(name) is for a \(role), not an \(needed)"
        case .cannotListen(let reason): return "cannot listen for agents: \(reason)"
        case .callFailed(let agent, let reason): return "\(agent) did not answer: \(reason)"
        case .noCalls: return "this agent takes no calls"
        }
    }
}
