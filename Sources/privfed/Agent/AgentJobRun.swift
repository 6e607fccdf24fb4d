import AgentLink
import Foundation
import Pipeline
import ResultsStore

/// `privfed orchestrator --run MANIFEST`: waits for the manifest's `dataset.clients` agents to
/// join (at most `join_timeout`), offers them the job — client k is the k-th agent by name — and
/// runs it, every round's training on the agents' machines.
struct AgentJobRun {
    let server: AgentLinkServer
    let manifest: JobManifest
    let text: String
    let path: String
    /// Ctrl-C or SIGTERM, for a round waiting on its agents.
    var stop: StopRequest? = nil

    /// Runs the job to its end on the calling thread (not the concurrency pool's).
    func run(service: JobService, progress: JobProgress?) throws -> JobSummary {
        try service.runWithAgents(path: path, text: text, manifest: manifest, progress: progress, join: join)
    }

    /// Continues recorded job `jobId` from its checkpoint, with the agents joining again.
    func resume(jobId: Int64, force: Bool, service: JobService, progress: JobProgress?) throws -> JobSummary {
        try service.resumeWithAgents(jobId: jobId, force: force, progress: progress, join: join)
    }

    /// Waits for the agents and offers them job `jobId`; each must accept.
    func join(_ jobId: Int64) throws -> JobService.AgentsJoined {
        let agents = try waitForAgents()
        let answers = LinkedClients.offer(server.calls, agents: agents, jobId: jobId, manifestText: text,
                                          timeout: .milliseconds(Int(manifest.federation.roundTimeoutSeconds * 1000)), stop: stop)
        var examples: [Int] = [], commitments: [SecretCommitmentRecord] = [], refusals: [String] = []
        for (client, agent) in agents.enumerated() {
            switch answers[client] {
            case .success(let acceptance):
                examples.append(acceptance.examples)
                commitments.append(SecretCommitmentRecord(party: Party.client(client).description, commitment: acceptance.rootCommitment))
            case .failure(let failure): refusals.append("\(agent): \(failure.reason)")
            case nil: refusals.append("\(agent): no answer")
            }
        }
        guard refusals.isEmpty else { throw AgentJobRunError.declined(refusals) }
        return JobService.AgentsJoined(clients: LinkedClients(calls: server.calls, agents: agents, jobId: jobId, manifestText: text, stop: stop),
                                       examples: examples, commitments: commitments)
    }

    /// The first `dataset.clients` agents by name, once that many are on the link.
    /// - Throws: `AgentJobRunError.tooFewAgents` when `join_timeout` passes first.
    func waitForAgents() throws -> [String] {
        let needed = manifest.dataset.clients
        let deadline = Date().addingTimeInterval(manifest.federation.joinTimeoutSeconds)
        while true {
            let open = Set(server.calls.connected)
            let ready = server.registry.agents.filter { $0.role == .agent && $0.state == .connected && open.contains($0.name) }.map(\.name)
            if ready.count >= needed { return Array(ready.prefix(needed)) }
            if Date() >= deadline {
                throw AgentJobRunError.tooFewAgents(joined: ready, needed: needed, seconds: manifest.federation.joinTimeoutSeconds)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}

/// Why a `deployment: agents` job could not start.
enum AgentJobRunError: Error, CustomStringConvertible {
    case tooFewAgents(joined: [String], needed: Int, seconds: Double)
    case declined([String])
    case notForAgents(String)

    var description: String {
        switch self {
        case .tooFewAgents(let joined, let needed, let seconds):
            let who = joined.isEmpty ? "none" : joined.joined(separator: ", ")
            return "\(joined.count) of the \(needed) agents the manifest needs (dataset.clients) joined within "
                + "join_timeout = \(String(format: "%g", seconds)) s (joined: \(who)); start the others with `privfed agent`"
        case .declined(let refusals):
            return "agents declined the job: " + refusals.joined(separator: "; ")
        case .notForAgents(let path):
            return "\(path): --run takes a manifest with federation.deployment: agents; run a simulated one with `privfed run`"
        }
    }
}
