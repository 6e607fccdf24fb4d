import Foundation
import GRDB
import Pipeline
import ResultsStore
import TestSupport
import XCTest

/// What the tests of jobs over the agent link share: a scratch folder with the federation's kits
/// (provisioned for `orchestratorHost`), manifests, shards, the orchestrator's database, and the
/// processes. `wrapper` runs a process on a host of its own (`ip netns exec NS`).
protocol AgentFederationTesting: XCTestCase {
    var root: URL! { get }
    var port: Int { get }
    /// The address the kits name and the orchestrator listens on.
    var orchestratorHost: String { get }
}

extension AgentFederationTesting {
    var kits: URL { root.appendingPathComponent("kits") }
    var database: String { root.appendingPathComponent("orchestrator.sqlite").path }

    func provision() throws {
        let outcome = try PrivfedProcess(database: database)
            .run(["provision", "--out", kits.path, "--agents", "3", "--share-holders", "2", "--host", orchestratorHost, "--port", "\(port)"],
                 usesDatabase: false)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
    }

    /// A 3-client job on 900 training images; `federation` lines go under `federation:`, `extra` after it.
    func manifest(name: String, rounds: Int, federation: String, extra: String = "", batchSize: Int = 50, learningRate: Double = 0.1) throws -> String {
        let text = smallMNISTManifest(name: name, seed: 7, clients: 3, trainExamples: 900, testExamples: 1000, rounds: rounds,
                                      clientsPerRound: 3, batchSize: batchSize, learningRate: learningRate,
                                      extra: "  deployment: agents\n  join_timeout: 60\n" + federation + "\n" + extra)
        let path = root.appendingPathComponent("\(name).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `manifest` with example-level DP-SGD (ε = 3, δ = 1e-4, C = 1) and `privacy` lines after it.
    func dpManifest(name: String, rounds: Int, federation: String, privacy: String = "") throws -> String {
        try manifest(name: name, rounds: rounds, federation: federation,
                     extra: "privacy:\n  differential_privacy: true\n  epsilon: 3.0\n  delta: 1e-4\n  max_grad_norm: 1.0" + (privacy.isEmpty ? "" : "\n" + privacy),
                     batchSize: 60, learningRate: 0.5)
    }

    /// The same job simulated in one process, for the accuracy it should reach.
    func simulatedTwin(of path: String) throws -> Double {
        let twin = try AgentsTwin.simulated(of: String(contentsOfFile: path, encoding: .utf8), directory: root.path)
        let twinPath = path.replacingOccurrences(of: ".yaml", with: "-twin.yaml")
        try twin.write(toFile: twinPath, atomically: true, encoding: .utf8)
        let outcome = try PrivfedProcess(database: root.appendingPathComponent("twin.sqlite").path).run(["run", twinPath, "--json"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as! [String: Any]
        return summary["accuracy"] as! Double
    }

    func export(_ path: String) throws {
        let outcome = try PrivfedProcess(database: database).run(["partition", "export", path, "--out", root.appendingPathComponent("shards").path],
                                                                 usesDatabase: false)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
    }

    func startOrchestrator(_ manifest: String, wrapper: [String] = []) throws -> LinkProcess {
        let orchestrator = try LinkProcess(["orchestrator", "--identity", kits.appendingPathComponent("orchestrator").path, "--host", orchestratorHost,
                                            "--agent-port", "\(port)", "--run", manifest, "--db", database, "--json"], wrapper: wrapper)
        XCTAssertNotNil(orchestrator.waitForEvent(["event": "listening"], timeout: 20), "orchestrator: \(orchestrator.stderr)")
        return orchestrator
    }

    /// `privfed orchestrator --resume 1 --force` on the same port, the first one dead.
    func resumingOrchestrator() throws -> LinkProcess {
        try LinkProcess(["orchestrator", "--identity", kits.appendingPathComponent("orchestrator").path, "--host", orchestratorHost,
                         "--agent-port", "\(port)", "--resume", "1", "--force", "--db", database, "--json"])
    }

    func startAgent(_ k: Int, _ extra: [String] = [], wrapper: [String] = [], environment: [String: String] = [:]) throws -> LinkProcess {
        try LinkProcess(["agent", "--identity", kits.appendingPathComponent("agent-\(k)").path,
                         "--data", root.appendingPathComponent("shards/client-\(k)").path, "--heartbeat", "0.2", "--json"] + extra,
                        wrapper: wrapper, environment: environment)
    }

    func startShareHolder(_ h: Int, wrapper: [String] = []) throws -> LinkProcess {
        try LinkProcess(["share-holder", "--identity", kits.appendingPathComponent("share-holder-\(h)").path, "--heartbeat", "0.2", "--json"],
                        wrapper: wrapper)
    }

    /// The state folders of the participants that ran on their own (agents and share-holders).
    var participantStates: [URL] {
        ((0..<3).map { "agent-\($0)" } + (0..<2).map { "share-holder-\($0)" }).map { kits.appendingPathComponent("\($0)/state") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// Runs the job at `path` to its end over three agents (`wrapper(h)`: host h's, 0 the
    /// orchestrator's), checks it succeeded, and returns its summary with the ended processes.
    func runToSuccess(_ path: String, timeout: Double = 240, wrapper: (Int) -> [String] = { _ in [] })
        throws -> (job: [String: Any]?, orchestrator: LinkProcess, agents: [LinkProcess]) {
        try export(path)
        let orchestrator = try startOrchestrator(path, wrapper: wrapper(0))
        let agents = try (0..<3).map { try startAgent($0, wrapper: wrapper($0 + 1)) }
        let (status, job) = finish(orchestrator, timeout: timeout)
        XCTAssertEqual(status, 0, orchestrator.stderr + agents.map(\.stderr).joined())
        XCTAssertEqual(job?["status"] as? String, "succeeded", orchestrator.stderr)
        for agent in agents { agent.end() }
        return (job, orchestrator, agents)
    }

    /// Runs the job at `path` with `holders` share-holders, agent `faulty` started with
    /// `PRIVFED_FAULT_INJECT=fault`; checks the job succeeded and that agent died of SIGKILL, and
    /// returns the ended processes.
    func runToSuccess(_ path: String, holders: Int = 0, killing faulty: Int, at fault: String, timeout: Double = 240)
        throws -> (orchestrator: LinkProcess, agents: [LinkProcess], holders: [LinkProcess]) {
        try export(path)
        let orchestrator = try startOrchestrator(path)
        let holderProcesses = try (0..<holders).map { try startShareHolder($0) }
        let agents = try (0..<3).map { try startAgent($0, environment: $0 == faulty ? [FaultInjection.environmentVariable: fault] : [:]) }
        let (status, job) = finish(orchestrator, timeout: timeout)
        XCTAssertEqual(status, 0, orchestrator.stderr)
        XCTAssertEqual(job?["status"] as? String, "succeeded", orchestrator.stderr)
        assertKilled(agents[faulty])
        for process in agents + holderProcesses { process.end() }
        return (orchestrator, agents, holderProcesses)
    }

    /// Waits for `process` to end and checks that it died of SIGKILL (a fault injected at it).
    func assertKilled(_ process: LinkProcess, file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(10)
        while process.process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.process.isRunning else { return XCTFail("the process was not killed", file: file, line: line) }
        XCTAssertEqual(process.process.terminationReason, .uncaughtSignal, file: file, line: line)
        XCTAssertEqual(process.process.terminationStatus, SIGKILL, file: file, line: line)
    }

    /// The orchestrator's final summary line (`{"event": "finished", "job": {...}}`), waiting for its exit.
    func finish(_ orchestrator: LinkProcess, timeout: Double = 120) -> (status: Int32, job: [String: Any]?) {
        let deadline = Date().addingTimeInterval(timeout)
        while orchestrator.process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        orchestrator.end()
        return (orchestrator.process.terminationStatus, orchestrator.waitForEvent(["event": "finished"], timeout: 1)?["job"] as? [String: Any])
    }

    func metrics(_ name: String) throws -> [(round: Int, client: Int?, value: Double)] {
        let db = try ResultsDatabase.forReading(path: database)
        return try db.engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT round, client, value FROM metrics WHERE name = ? ORDER BY round, client", arguments: [name])
                .map { ($0["round"], $0["client"], $0["value"]) }
        }
    }

    /// Every cell of every table of the orchestrator's database, read as text: no agent's secret
    /// root (from its own state folder) appears, and no metric is one only a client's private data
    /// could give (its loss, its realised batch sizes, its update's norm).
    func assertTheOrchestratorHoldsNothingOfTheAgents() throws {
        var roots: [String] = []
        for state in participantStates {
            for file in try FileManager.default.contentsOfDirectory(atPath: state.path) where file.hasSuffix(".secrets.json") {
                let object = try JSONSerialization.jsonObject(with: Data(contentsOf: state.appendingPathComponent(file))) as! [String: Any]
                roots += (object["roots"] as! [String: String]).values
            }
        }
        XCTAssertGreaterThanOrEqual(roots.count, 3)
        let db = try ResultsDatabase.forReading(path: database)
        try db.engine.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            for table in tables {
                for row in try SQLRow.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") {
                    for value in row.values {
                        let text: String
                        switch value {
                        case .text(let s): text = s
                        case .blob(let data): text = data.map { String(format: "%02x", $0) }.joined()
                        default: continue
                        }
                        for root in roots { XCTAssertFalse(text.contains(root), "table \(table) holds an agent's root") }
                    }
                }
            }
            let names = Set(try String.fetchAll(db, sql: "SELECT DISTINCT name FROM metrics"))
            XCTAssertTrue(names.isDisjoint(with: ["train_loss", "mean_batch_size", "update_norm"]), "\(names)")
        }
    }

    /// A secrets file for the twin: the orchestrator's escrowed roots and each agent's and share-holder's own.
    func replayedSecrets() throws -> String {
        let db = try ResultsDatabase.forReading(path: database)
        let escrowed = try XCTUnwrap(try db.secretsPath(jobId: 1), "the orchestrator escrows its own roots")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: escrowed))) as! [String: Any]
        var roots = object["roots"] as! [String: String]
        for state in participantStates {
            for file in try FileManager.default.contentsOfDirectory(atPath: state.path) where file.hasPrefix("job-1-") && file.hasSuffix(".secrets.json") {
                let own = try JSONSerialization.jsonObject(with: Data(contentsOf: state.appendingPathComponent(file))) as! [String: Any]
                roots.merge(own["roots"] as! [String: String]) { $1 }
            }
        }
        object["roots"] = roots
        let path = root.appendingPathComponent("twin.secrets.json").path
        FileManager.default.createFile(atPath: path, contents: try JSONSerialization.data(withJSONObject: object), attributes: [.posixPermissions: 0o600])
        return path
    }

    /// The models, round by round, of the job at `path` simulated in one process with the roots
    /// the agents and the orchestrator used (`edit` changes the simulated manifest's text first).
    func exactTwinHashes(of path: String, edit: (String) -> String = { $0 }) throws -> [String] {
        let twinPath = path.replacingOccurrences(of: ".yaml", with: "-exact-twin.yaml")
        try edit(try AgentsTwin.simulated(of: String(contentsOfFile: path, encoding: .utf8), directory: root.path))
            .write(toFile: twinPath, atomically: true, encoding: .utf8)
        let twinDatabase = root.appendingPathComponent("exact-twin.sqlite").path
        let run = try PrivfedProcess(database: twinDatabase).run(["run", twinPath, "--secrets", try replayedSecrets(), "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        return try modelHashes(twinDatabase)
    }

    /// The SHA-256 of each round's global model, in round order.
    func modelHashes(_ path: String) throws -> [String] {
        let db = try ResultsDatabase.forReading(path: path)
        return try db.engine.read { db in
            try String.fetchAll(db, sql: "SELECT sha256 FROM artifacts WHERE kind = 'global_model' AND round > 0 ORDER BY round")
        }
    }
}
