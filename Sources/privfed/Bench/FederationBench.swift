import Foundation
import Pipeline
import ResultsStore

/// `privfed bench federation`: one job run twice — simulated in this process, and over the agent
/// link with its orchestrator and every agent a `privfed` process of its own on loopback (mutual
/// TLS, gRPC, the same kits and shards a deployment uses) — and what the network costs a round.
struct FederationBench {
    let agents: Int
    let manifestPath: String
    let scratch: URL

    struct Result: Codable {
        var manifest: String
        var agents: Int
        var rounds: Int
        /// Median wall time of a round (select, train, aggregate, evaluate), from the rounds' records.
        var simulatedRoundSeconds: Double
        var agentsRoundSeconds: Double
        /// (agents − simulated) / simulated.
        var overhead: Double
        /// PFW1 frames per agent per round: the broadcast model to it, its update from it (the
        /// frames' own bytes; TLS and HTTP/2 add their framing on top).
        var bytesToAgentPerRound: Double
        var bytesFromAgentPerRound: Double
        var simulatedAccuracy: Double?
        var agentsAccuracy: Double?

        enum CodingKeys: String, CodingKey {
            case manifest, agents, rounds, overhead
            case simulatedRoundSeconds = "simulated_round_seconds", agentsRoundSeconds = "agents_round_seconds"
            case bytesToAgentPerRound = "bytes_to_agent_per_round", bytesFromAgentPerRound = "bytes_from_agent_per_round"
            case simulatedAccuracy = "simulated_accuracy", agentsAccuracy = "agents_accuracy"
        }
    }

    func run() throws -> Result {
        let text = try String(contentsOfFile: manifestPath, encoding: .utf8)
        let directory = DatasetLocation.directory(ofManifest: manifestPath)
        let agentsText = try AgentsTwin.agents(of: text, directory: directory, agents: agents)
        let agentsPath = scratch.appendingPathComponent("agents.yaml").path
        let simulatedPath = scratch.appendingPathComponent("simulated.yaml").path
        try agentsText.write(toFile: agentsPath, atomically: true, encoding: .utf8)
        try AgentsTwin.simulated(of: agentsText, directory: directory).write(toFile: simulatedPath, atomically: true, encoding: .utf8)

        let simulatedDB = try ResultsDatabase(path: scratch.appendingPathComponent("simulated.sqlite").path)
        let simulated = try JobService(database: simulatedDB).runNow(try JobService.ready(path: simulatedPath))

        let kits = scratch.appendingPathComponent("kits"), shards = scratch.appendingPathComponent("shards")
        let manifest = try ManifestReader().read(path: agentsPath).manifest
        // Additive sharing: its share-holders run as processes of their own too.
        let holders = manifest.privacy.secureAggregation == .additive ? manifest.privacy.effectiveShareHolders : 0
        try Self.privfed(["provision", "--out", kits.path, "--agents", "\(agents)", "--share-holders", "\(holders)", "--host", "127.0.0.1"],
                         output: nil).waitForSuccess()
        _ = try PartitionExport.export(manifest, out: shards)
        let agentsDB = scratch.appendingPathComponent("agents.sqlite").path
        let orchestratorLog = scratch.appendingPathComponent("orchestrator.jsonl")
        let orchestrator = try Self.privfed(["orchestrator", "--identity", kits.appendingPathComponent("orchestrator").path, "--host", "127.0.0.1",
                                             "--agent-port", "0", "--run", agentsPath, "--db", agentsDB, "--json"], output: orchestratorLog)
        let port = try Self.listeningPort(in: orchestratorLog, of: orchestrator)
        let agentProcesses = try (0..<agents).map { k in
            try Self.privfed(["agent", "--identity", kits.appendingPathComponent("agent-\(k)").path, "--data", shards.appendingPathComponent("client-\(k)").path,
                              "--orchestrator", "127.0.0.1:\(port)", "--state", scratch.appendingPathComponent("state-\(k)").path, "--heartbeat", "1"],
                             output: nil)
        }
        let holderProcesses = try (0..<holders).map { h in
            try Self.privfed(["share-holder", "--identity", kits.appendingPathComponent("share-holder-\(h)").path, "--orchestrator", "127.0.0.1:\(port)",
                              "--state", scratch.appendingPathComponent("holder-state-\(h)").path, "--heartbeat", "1"], output: nil)
        }
        defer { for process in agentProcesses + holderProcesses where process.isRunning { process.terminate() } }
        orchestrator.waitUntilExit()
        guard orchestrator.terminationStatus == 0 else {
            let log = (try? String(contentsOf: orchestratorLog, encoding: .utf8)) ?? ""
            throw FederationBenchError.orchestratorFailed(status: orchestrator.terminationStatus, log: String(log.suffix(2000)))
        }
        let agentsStore = try ResultsDatabase.forReading(path: agentsDB)
        let (simulatedRound, _, _) = try Self.rounds(simulatedDB)
        let (agentsRound, toAgent, fromAgent) = try Self.rounds(agentsStore)
        let rounds = manifest.federation.rounds
        return Result(manifest: manifestPath, agents: agents, rounds: rounds, simulatedRoundSeconds: simulatedRound, agentsRoundSeconds: agentsRound,
                      overhead: (agentsRound - simulatedRound) / simulatedRound,
                      bytesToAgentPerRound: toAgent / Double(rounds * agents), bytesFromAgentPerRound: fromAgent / Double(rounds * agents),
                      simulatedAccuracy: simulated.accuracy, agentsAccuracy: try Self.finalAccuracy(agentsStore))
    }

    /// The median round's wall time, and the bytes of `local_train`'s broadcast and uploads.
    static func rounds(_ store: ResultsDatabase) throws -> (median: Double, toClients: Double, fromClients: Double) {
        try store.engine.read { db in
            let spans = try SQLRow.fetchAll(db, sql: "SELECT started_at, finished_at FROM rounds WHERE round > 0 AND status = 'succeeded'").compactMap { row -> Double? in
                guard let start = Timestamp.date(row["started_at"]), let end = Timestamp.date(row["finished_at"]) else { return nil }
                return end.timeIntervalSince(start)
            }.sorted()
            let sum = { (name: String) in
                try Double.fetchOne(db, sql: "SELECT COALESCE(SUM(value), 0) FROM metrics WHERE stage = 'local_train' AND name = ? AND client IS NOT NULL",
                                    arguments: [name]) ?? 0
            }
            return (spans.isEmpty ? 0 : spans[spans.count / 2], try sum("bytes_received"), try sum("bytes_sent"))
        }
    }

    static func finalAccuracy(_ store: ResultsDatabase) throws -> Double? {
        try store.engine.read { db in
            try Double.fetchOne(db, sql: "SELECT value FROM metrics WHERE stage = 'evaluate' AND name = 'accuracy' ORDER BY round DESC LIMIT 1")
        }
    }

    /// This `privfed` binary with `arguments`, its standard output to `output` (nil: discarded).
    static func privfed(_ arguments: [String], output: URL?) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        if let output {
            FileManager.default.createFile(atPath: output.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: output)
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        process.standardError = process.standardOutput
        try process.run()
        return process
    }

    /// The port the orchestrator reports it listens on (its first JSON line `listening`).
    static func listeningPort(in log: URL, of process: Process) throws -> Int {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                if let event = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                   event["event"] as? String == "listening", let port = event["port"] as? Int { return port }
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw FederationBenchError.orchestratorFailed(status: process.isRunning ? -1 : process.terminationStatus,
                                                      log: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}

enum FederationBenchError: Error, CustomStringConvertible {
    case orchestratorFailed(status: Int32, log: String)
    case step(String, status: Int32)

    var description: String {
        switch self {
        case .orchestratorFailed(let status, let log): return "the orchestrator did not finish the job (status \(status)):\n\(log)"
        case .step(let what, let status): return "\(what) exited with status \(status)"
        }
    }
}

extension Process {
    func waitForSuccess() throws {
        waitUntilExit()
        guard terminationStatus == 0 else { throw FederationBenchError.step("privfed \((arguments ?? []).first ?? "")", status: terminationStatus) }
    }
}
