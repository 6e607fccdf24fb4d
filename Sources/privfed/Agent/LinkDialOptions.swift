import AgentLink
import ArgumentParser
import Foundation
import Pipeline
import Provisioning

/// The options of a participant that dials the orchestrator (`privfed agent`, `privfed
/// share-holder`), and the loop both run: dial outward over mutual TLS, answer every call on a
/// thread of its own (training blocks for a round; heartbeats go on), redial when the link
/// drops, stop on Ctrl-C or SIGTERM.
struct LinkDialOptions: ParsableArguments {
    @Option(help: ArgumentHelp("HOST:PORT to dial (default: the kit's config.json).", valueName: "host:port"))
    var orchestrator: String?
    @Option(help: ArgumentHelp("Seconds between heartbeats.", valueName: "seconds")) var heartbeat = 5.0
    @Flag(help: "Print one JSON line per change of state instead of text.") var json = false

    func validate() throws {
        guard (0.05...60).contains(heartbeat) else { throw ValidationError("--heartbeat must be in 0.05...60 seconds, got \(heartbeat)") }
        if let orchestrator { _ = try OrchestratorAddress(parsing: orchestrator) }
    }

    var lines: LinkEventLines { LinkEventLines(json: json) }

    /// Stays on the link with `kit`'s identity, answering each call with `answer`, until a signal.
    func serve(kit: LoadedKit, data: AgentData, answer: @escaping @Sendable ([UInt8]) throws -> [UInt8]) async throws {
        let client = try reportingErrors {
            try AgentLinkClient(kit: kit, orchestrator: try OrchestratorAddress(parsing: orchestrator ?? kit.config.orchestrator),
                                data: data, version: CodeVersion.release, heartbeatSeconds: heartbeat)
        }
        let name = kit.participant.name, lines = self.lines, address = client.orchestrator
        let stop = SignalTrap(.link).stop
        do {
            try await client.run(stop: { stop.signal != nil }, report: { lines.agent($0, name: name, orchestrator: address) }) { body in
                try await onOwnThread { Result { try answer(body) } }.get()
            }
        } catch {
            try reportingErrors { () throws -> Void in throw error }
        }
    }
}
