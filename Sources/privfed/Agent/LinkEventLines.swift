import AgentLink
import Foundation
import Pipeline
import ResultsStore

/// The agent and orchestrator commands' output: one line per change of state, as text or as a
/// JSON object (`--json`, for scripts), each written with one write(2) so lines from concurrent
/// streams never interleave.
struct LinkEventLines: Sendable {
    let json: Bool

    func write(_ fields: [String: any Encodable & Sendable], text: String) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = JSONOutput.dateEncoding
            let object = fields.mapValues(AnyEncodable.init)
            let line = (try? encoder.encode(object)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"event": "unencodable"}"#
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        } else {
            FileHandle.standardOutput.write(Data((TerminalText.escaped(text) + "\n").utf8))
        }
    }

    func agent(_ event: LinkClientEvent, name: String, orchestrator: OrchestratorAddress) {
        switch event {
        case .connected(let rejoin, let heartbeat):
            write(["event": rejoin ? "rejoined" : "connected", "agent": name, "orchestrator": orchestrator.description, "heartbeat_seconds": heartbeat],
                  text: "\(name): \(rejoin ? "rejoined" : "connected to") \(orchestrator) (heartbeat every \(heartbeat) s)")
        case .lostConnection(let reason):
            write(["event": "lost_connection", "agent": name, "reason": reason], text: "\(name): lost connection to \(orchestrator): \(reason); redialling")
        case .unreachable(let reason):
            write(["event": "unreachable", "agent": name, "reason": reason], text: "\(name): cannot reach \(orchestrator): \(reason); retrying")
        }
    }

    func agentWork(_ event: AgentWorkEvent, name: String) {
        switch event {
        case .accepted(let job, let client, let examples):
            write(["event": "accepted", "agent": name, "job": job, "client": client, "examples": examples],
                  text: "\(name): accepted job \(job) as client \(client) (\(examples) examples)")
        case .trained(let job, let round, let steps, let epsilon):
            var fields: [String: any Encodable & Sendable] = ["event": "trained", "agent": name, "job": job, "round": round, "steps": steps]
            if let epsilon { fields["epsilon"] = epsilon }
            write(fields, text: "\(name): job \(job) round \(round) trained" + (epsilon.map { String(format: " (%d DP-SGD steps, job ε = %.4f)", steps, $0) } ?? ""))
        case .secAggStep(let job, let round, let step):
            write(["event": "secagg", "agent": name, "job": job, "round": round, "step": step],
                  text: "\(name): job \(job) round \(round) secure aggregation: \(step)")
        case .heStep(let job, let round, let step):
            write(["event": "he", "agent": name, "job": job, "round": round, "step": step],
                  text: "\(name): job \(job) round \(round) homomorphic encryption: \(step)")
        case .holderAccepted(let job, let holder):
            write(["event": "accepted", "agent": name, "job": job, "holder": holder], text: "\(name): accepted job \(job) as share-holder \(holder)")
        case .partialSum(let job, let round, let clients):
            write(["event": "partial_sum", "agent": name, "job": job, "round": round, "clients": clients],
                  text: "\(name): job \(job) round \(round) partial sum of \(clients) clients' shares")
        case .holderKey(let job, let epoch, let clients):
            write(["event": "key_share", "agent": name, "job": job, "epoch": epoch, "clients": clients],
                  text: "\(name): job \(job) key epoch \(epoch): its share of the key from \(clients) key holders' fragments")
        case .refused(let job, let round, let reason):
            var fields: [String: any Encodable & Sendable] = ["event": "refused", "agent": name, "job": job, "reason": reason]
            if let round { fields["round"] = round }
            write(fields, text: "\(name): job \(job)" + (round.map { " round \($0)" } ?? "") + ": \(reason)")
        }
    }

    func orchestrator(_ event: LinkServerEvent) {
        switch event {
        case .listening(let port):
            write(["event": "listening", "port": port], text: "privfed orchestrator: accepting agents on port \(port) (mutual TLS only)")
        case .registry(let change):
            let a = change.agent
            let detail = switch change.change {
            case .joined, .rejoined: " (\(a.role.rawValue), \(a.data.examples) examples, data \(a.data.sha256.prefix(12)), privfed \(a.version))"
            case .lost: ": no heartbeat for \(AgentRegistry.missedHeartbeats * a.heartbeatSeconds) s"
            case .disconnected: ""
            }
            write(["event": change.change.rawValue, "agent": a.name, "detail": a], text: "\(a.name) \(change.change.rawValue)\(detail)")
        case .refused(let peer, let reason):
            write(["event": "refused", "agent": peer, "reason": reason], text: "refused \(peer): \(reason)")
        }
    }
}

/// A value of any `Encodable` type, for one line's mixed fields.
private struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable & Sendable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
