import AgentLink
import ArgumentParser
import Foundation
import Pipeline
import Provisioning
import Synchronization

/// `privfed serve --agent-port PORT --identity DIR`: the agent link beside the HTTP API, in the
/// same process, so one orchestrator both queues jobs and keeps its agents. Kept here, not in
/// ServeCommand, so serve only asks to start it and to stop it.
struct AgentPortOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Also accept agents on this port (mutual TLS only).", valueName: "port")) var agentPort: Int?
    @Option(help: ArgumentHelp("The orchestrator's startup kit, for --agent-port.", valueName: "dir")) var identity: String?

    func validate() throws {
        if let agentPort, !(0...65535).contains(agentPort) { throw ValidationError("--agent-port must be in 0...65535, got \(agentPort)") }
        if (agentPort == nil) != (identity == nil) { throw ValidationError("--agent-port and --identity go together") }
    }

    /// The running agent link; `stop` ends it.
    final class Running: Sendable {
        private let stopped = Atomic<Bool>(false)
        func stop() { stopped.store(true, ordering: .sequentiallyConsistent) }
        var isStopped: Bool { stopped.load(ordering: .sequentiallyConsistent) }
    }

    /// A new registry for the agent link when --agent-port is given (to share with `GET /api/agents`),
    /// nil otherwise.
    func makeRegistry() -> AgentRegistry? { agentPort == nil ? nil : AgentRegistry() }

    /// The agent link's server on `host`, keeping its agents in `registry` (from `makeRegistry`);
    /// nil without --agent-port.
    func makeServer(host: String, registry: AgentRegistry?) throws -> AgentLinkServer? {
        guard let agentPort, let identity, let registry else { return nil }
        return try reportingErrors {
            try AgentLinkServer(kit: try LoadedKit.load(from: URL(fileURLWithPath: identity)), host: host, port: agentPort, registry: registry)
        }
    }

    /// How serve's workers run a `deployment: agents` job on `server`'s agents.
    static func agentJobs(on server: AgentLinkServer, stop: StopRequest) -> JobService.AgentJoining {
        { manifest, text, jobId in try AgentJobRun(server: server, manifest: manifest, text: text, path: "", stop: stop).join(jobId) }
    }

    /// Starts `server`; a failure to listen ends the process with the error, as a port in use
    /// does for the HTTP port.
    func start(_ server: AgentLinkServer?, json: Bool) -> Running? {
        guard let server else { return nil }
        let running = Running(), lines = LinkEventLines(json: json)
        Task {
            do {
                try await server.run(stop: { running.isStopped }) { lines.orchestrator($0) }
            } catch {
                FileHandle.standardError.write(Data("privfed: error: \(error)\n".utf8))
                Foundation.exit(1)
            }
        }
        return running
    }
}
