import AgentLink
import Foundation
import Pipeline
import Provisioning
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

    /// Waits for the agents (and an additive job's share-holders) and offers them job `jobId`;
    /// each must accept.
    func join(_ jobId: Int64) throws -> JobService.AgentsJoined {
        let agents = try waitFor(.agent, names: nil, count: manifest.dataset.clients, key: "dataset.clients")
        let p = manifest.privacy
        let holderNames = p.secureAggregation == .additive ? (0..<p.effectiveShareHolders).map(ShareHolderAgent.name) : []
        let holders = holderNames.isEmpty ? [] : try waitFor(.shareHolder, names: holderNames, count: holderNames.count, key: "privacy.share_holders")
        let timeout = Duration.milliseconds(Int(manifest.federation.roundTimeoutSeconds * 1000))
        let answers = LinkedClients.offer(server.calls, agents: agents, jobId: jobId, manifestText: text, timeout: timeout, stop: stop)
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
        var keys: [HolderKey] = []
        let holderAnswers = LinkedClients.offerHolders(server.calls, holders: holders, jobId: jobId, manifestText: text, timeout: timeout, stop: stop)
        for (h, name) in holders.enumerated() {
            switch holderAnswers[h] {
            case .success(let key):
                keys.append(key.key)
                commitments.append(SecretCommitmentRecord(party: Party.shareHolder(h).description, commitment: key.rootCommitment))
            case .failure(let failure): refusals.append("\(name): \(failure.reason)")
            case nil: refusals.append("\(name): no answer")
            }
        }
        guard refusals.isEmpty else { throw AgentJobRunError.declined(refusals) }
        let clients = LinkedClients(calls: server.calls, agents: agents, jobId: jobId, manifestText: text, stop: stop,
                                    holders: holders.isEmpty ? nil : (holders, keys))
        return JobService.AgentsJoined(clients: clients, examples: examples, commitments: commitments)
    }

    /// `count` participants of `role` on the link — the first by name, or exactly `names` —
    /// once that many are there.
    /// - Throws: `AgentJobRunError.tooFewAgents` when `join_timeout` passes first.
    func waitFor(_ role: ParticipantRole, names: [String]?, count needed: Int, key: String) throws -> [String] {
        let deadline = Date().addingTimeInterval(manifest.federation.joinTimeoutSeconds)
        while true {
            let open = Set(server.calls.connected)
            let ready = server.registry.agents.filter { $0.role == role && $0.state == .connected && open.contains($0.name) }.map(\.name)
            if let names {
                if Set(names).isSubset(of: ready) { return names }
            } else if ready.count >= needed {
                return Array(ready.prefix(needed))
            }
            if Date() >= deadline {
                throw AgentJobRunError.tooFewAgents(role: role, joined: names.map { Set($0).intersection(ready).sorted() } ?? ready, needed: needed,
                                                    key: key, seconds: manifest.federation.joinTimeoutSeconds)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}

/// Why a `deployment: agents` job could not start.
enum AgentJobRunError: Error, CustomStringConvertible {
    case tooFewAgents(role: ParticipantRole, joined: [String], needed: Int, key: String, seconds: Double)
    case declined([String])
    case notForAgents(String)

    var description: String {
        switch self {
        case .tooFewAgents(let role, let joined, let needed, let key, let seconds):
            let who = joined.isEmpty ? "none" : joined.joined(separator: ", ")
            let kind = role == .agent ? "agents" : "share-holders"
            return "\(joined.count) of the \(needed) \(kind) the manifest needs (\(key)) joined within "
                + "join_timeout = \(String(format: "%g", seconds)) s (joined: \(who)); start the others with `privfed \(role == .agent ? "agent" : "share-holder")`"
        case .declined(let refusals):
            return "agents declined the job: " + refusals.joined(separator: "; ")
        case .notForAgents(let path):
            return "\(path): --run takes a manifest with federation.deployment: agents; run a simulated one with `privfed run`"
        }
    }
}
