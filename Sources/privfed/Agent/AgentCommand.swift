import AgentLink
import ArgumentParser
import Foundation
import Pipeline
import Provisioning

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Join an orchestrator over mutual TLS and stay connected with heartbeats.",
        discussion: """
        A data holder's long-running client (issue 14). It checks its data folder against the \
        folder's own SHA256SUMS (MNIST IDX files, as `privfed partition export` writes them), then \
        dials the orchestrator outward only, over gRPC with mutual TLS: it presents its kit's \
        certificate and trusts only its kit's ca.pem, whose SHA-256 config.json pins. The \
        orchestrator learns its name and role from the certificate, and of its data only the \
        SHA-256 of SHA256SUMS and the number of examples.

        It sends a heartbeat every --heartbeat seconds and, when the orchestrator goes away, dials \
        again with capped exponential backoff, so a restarted orchestrator gets its agents back. \
        One line is printed per change of state (connected, lost connection, rejoined); Ctrl-C or \
        SIGTERM stops it.

          privfed agent --identity kits/agent-0 --data shards/client-0

        Training rounds over the link are not built yet: an agent joins and stays alive.
        """
    )

    @Option(help: ArgumentHelp("The agent's startup kit (privfed provision).", valueName: "dir")) var identity: String
    @Option(help: ArgumentHelp("The agent's data: IDX files and their SHA256SUMS.", valueName: "dir")) var data: String
    @Option(help: ArgumentHelp("HOST:PORT to dial (default: the kit's config.json).", valueName: "host:port"))
    var orchestrator: String?
    @Option(help: ArgumentHelp("Seconds between heartbeats.", valueName: "seconds")) var heartbeat = 5.0
    @Flag(help: "Print one JSON line per change of state instead of text.") var json = false

    func validate() throws {
        guard (0.05...60).contains(heartbeat) else { throw ValidationError("--heartbeat must be in 0.05...60 seconds, got \(heartbeat)") }
        if let orchestrator { _ = try OrchestratorAddress(parsing: orchestrator) }
    }

    func run() async throws {
        let (kit, summary) = try reportingErrors { (try LoadedKit.load(from: URL(fileURLWithPath: identity)), try AgentDataFolder.summary(of: data)) }
        let client = try reportingErrors {
            try AgentLinkClient(kit: kit, orchestrator: try OrchestratorAddress(parsing: orchestrator ?? kit.config.orchestrator),
                                data: summary, version: CodeVersion.release, heartbeatSeconds: heartbeat)
        }
        let lines = LinkEventLines(json: json), name = kit.participant.name, address = client.orchestrator
        let stop = SignalTrap(.link).stop
        do {
            try await client.run(stop: { stop.signal != nil }) { lines.agent($0, name: name, orchestrator: address) }
        } catch {
            try reportingErrors { () throws -> Void in throw error }
        }
    }
}
