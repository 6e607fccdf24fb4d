import AgentLink
import ArgumentParser
import Foundation
import Provisioning

struct OrchestratorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrator",
        abstract: "Accept agents on the agent port (mutual TLS only) and track heartbeats.",
        discussion: """
        The orchestrator's end of the agent link (issue 14): a gRPC server on --agent-port that \
        speaks only mutual TLS with the orchestrator's kit. A peer must present a certificate \
        signed by the kit's CA; plain TCP and other federations' certificates never reach gRPC. \
        The agent's name and role are read from its verified certificate, and a hello that claims \
        another name is refused.

        One line is printed per change (joined, rejoined, lost, disconnected, refused); an agent \
        that misses 3 heartbeat intervals is lost. Ctrl-C or SIGTERM stops it.

          privfed orchestrator --identity kits/orchestrator --agent-port 8002

        `privfed serve --agent-port PORT --identity DIR` runs the same link beside the HTTP API. \
        Training rounds over the link are not built yet.
        """
    )

    @Option(help: ArgumentHelp("The orchestrator's startup kit (privfed provision).", valueName: "dir")) var identity: String
    @Option(help: "The address to accept agents on.") var host = "0.0.0.0"
    @Option(help: "The port to accept agents on (0: any free port).") var agentPort = 8002
    @Flag(help: "Print one JSON line per change instead of text.") var json = false

    func validate() throws {
        guard (0...65535).contains(agentPort) else { throw ValidationError("--agent-port must be in 0...65535, got \(agentPort)") }
    }

    func run() async throws {
        let server = try reportingErrors {
            try AgentLinkServer(kit: try LoadedKit.load(from: URL(fileURLWithPath: identity)), host: host, port: agentPort)
        }
        let lines = LinkEventLines(json: json)
        let stop = SignalTrap(.link).stop
        do {
            try await server.run(stop: { stop.signal != nil }) { lines.orchestrator($0) }
        } catch {
            try reportingErrors { () throws -> Void in throw error }
        }
    }
}
