import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Provisioning

/// The orchestrator's agent port: a gRPC server that speaks only mutual TLS with the kit's
/// certificate, trusting only the kit's CA, and keeps the registry of the agents on the link.
public struct AgentLinkServer: Sendable {
    public let kit: LoadedKit
    public let host: String
    public let port: Int
    public let registry: AgentRegistry
    /// Calls to the agents on the link (`AgentCalls.call`).
    public let calls = AgentCalls()
    /// How often lost agents are looked for.
    public var sweepInterval: Duration = .milliseconds(50)

    /// - Throws: `AgentLinkError.wrongRole` unless `kit` is the orchestrator's.
    public init(kit: LoadedKit, host: String, port: Int, registry: AgentRegistry = AgentRegistry()) throws {
        guard kit.participant.role == .orchestrator else {
            throw AgentLinkError.wrongRole(name: kit.participant.name, role: kit.participant.role.rawValue, needed: "orchestrator")
        }
        self.kit = kit; self.host = host; self.port = port; self.registry = registry
    }

    /// Serves until `stop` returns true (polled), reporting every change; `now` is the clock
    /// liveness is judged by.
    public func run(stop: @escaping @Sendable () -> Bool, now: @escaping @Sendable () -> Date = Date.init,
                    report: @escaping @Sendable (LinkServerEvent) -> Void) async throws {
        let address: GRPCNIOTransportCore.SocketAddress = host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
        let transport = HTTP2ServerTransport.Posix(address: address, transportSecurity: LinkTLS.server(kit), config: .defaults {
            $0.rpc.maxRequestPayloadSize = LinkMethod.maximumFrameBytes
        })
        let server = GRPCServer(transport: transport, services: [AgentLinkService(registry: registry, calls: calls, now: now, report: report)])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            let bound: GRPCNIOTransportCore.SocketAddress
            do { bound = try await transport.listeningAddress } catch {
                group.cancelAll()
                throw AgentLinkError.cannotListen("\(host):\(port): \(error)")
            }
            report(.listening(port: bound.ipv4?.port ?? bound.ipv6?.port ?? port))
            while !stop() {
                try await Task.sleep(for: sweepInterval)
                for event in registry.sweep(now: now()) { report(.registry(event)) }
            }
            // Agents' streams never end on their own, so the server is cancelled, not drained.
            group.cancelAll()
        }
    }
}
