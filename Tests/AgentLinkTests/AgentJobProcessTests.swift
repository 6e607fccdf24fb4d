import Foundation
import GRDB
import Pipeline
import ResultsStore
import TestSupport
import XCTest

/// Jobs whose clients are agents (issue 14), as deployed: `privfed provision` kits, shards from
/// `privfed partition export`, `privfed orchestrator --run` and three `privfed agent` processes
/// on loopback. What is attacked or broken: an agent killed mid-job (a dropout, or below
/// min_clients a failed round that names it), an agent restarted (it rejoins), an orchestrator
/// that asks for more privacy than an agent's own budget allows (refused by the agent), and the
/// orchestrator's database read table by table for anything that belongs to an agent.
final class AgentJobProcessTests: XCTestCase, AgentFederationTesting {
    var root: URL!
    var port = 0
    var orchestratorHost: String { "127.0.0.1" }

    override func setUpWithError() throws {
        root = URL(fileURLWithPath: try scratchDirectory(prefix: "agent-job"))
        port = LoopbackSocket.freePort()
        try provision()
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func testAPlainFedAvgJobTrainsOnThreeAgentsAsWellAsItsSimulatedTwin() throws {
        let path = try manifest(name: "agents-plain", rounds: 3, federation: "")
        try export(path)
        let orchestrator = try startOrchestrator(path)
        let agents = try (0..<3).map { try startAgent($0) }
        let (status, job) = finish(orchestrator)
        XCTAssertEqual(status, 0, orchestrator.stderr)
        XCTAssertEqual(job?["status"] as? String, "succeeded", orchestrator.stderr)
        let accuracy = try XCTUnwrap(job?["accuracy"] as? Double)
        let twin = try simulatedTwin(of: path)
        XCTAssertGreaterThan(accuracy, twin - 0.03, "agents \(accuracy), simulated \(twin)")
        XCTAssertEqual(try metrics("agents_answered").map(\.value), [3, 3, 3])
        for (k, agent) in agents.enumerated() {
            XCTAssertEqual(agent.count(["event": "trained"]), 3, "agent-\(k): \(agent.lines)")
            agent.end()
        }
    }

    /// The orchestrator asks agent-2 for rounds its own budget (ε = 2.4 over all its jobs, where the job plans 3) cannot
    /// pay for: agent-2 trains until its ledger would pass it, then refuses, and the round goes on
    /// without it (min_clients = 2). Its ledger and the orchestrator's agree on what it released.
    func testAnAgentRefusesPastItsOwnBudgetWhateverTheOrchestratorAsks() throws {
        let path = try dpManifest(name: "agents-dp", rounds: 4, federation: "  min_clients: 2")
        try export(path)
        let orchestrator = try startOrchestrator(path)
        let agents = try (0..<3).map { try startAgent($0, $0 == 2 ? ["--budget-epsilon", "2.4", "--budget-delta", "1e-4"] : ["--budget-epsilon", "3", "--budget-delta", "1e-4"]) }
        let (status, job) = finish(orchestrator)
        XCTAssertEqual(status, 0, orchestrator.stderr)
        XCTAssertEqual(job?["status"] as? String, "succeeded", orchestrator.stderr)
        let refused = agents[2].events.filter { $0["event"] as? String == "refused" }
        XCTAssertFalse(refused.isEmpty, "agent-2 never refused: \(agents[2].lines)")
        XCTAssertTrue((refused.first?["reason"] as? String ?? "").contains("past its budget ε = 2.4"), "\(refused)")
        let trained = agents[2].count(["event": "trained"])
        XCTAssertGreaterThan(trained, 0)
        XCTAssertLessThan(trained, 4)
        let ledgerLines = try String(contentsOf: kits.appendingPathComponent("agent-2/state/ledger.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        XCTAssertEqual(ledgerLines.count, trained, "one ledger line per release")
        let db = try ResultsDatabase.forReading(path: database)
        let released = try db.engine.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM privacy_ledger WHERE party = 'client/2' AND decision = 'released'")
        }
        XCTAssertEqual(released, trained, "the orchestrator's ledger records exactly the releases agent-2 made")
        XCTAssertEqual(try metrics("dropouts").map(\.value).reduce(0, +), Double(4 - trained))
        for agent in agents { agent.end() }
        try assertTheOrchestratorHoldsNothingOfTheAgents()
        // The orchestrator's records of the job pass its audit: the ledger against the plan the
        // agents' reported counts give, its chain and signatures, the test files it loaded.
        let audit = try PrivfedProcess(database: database).run(["audit", "1"])
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        XCTAssertTrue(audit.stdout.contains("pass  upload_signatures"), audit.stdout)

        // The attack: someone with the database file drops the append-only trigger and points a
        // recorded upload at another delta. The signature no longer covers it, and the audit says so.
        let copy = root.appendingPathComponent("tampered.sqlite").path
        try FileManager.default.copyItem(atPath: database, toPath: copy)
        let tampered = try DatabaseQueue(path: copy)
        try tampered.write { db in
            try db.execute(sql: "DROP TRIGGER upload_signatures_append_only_update")
            try db.execute(sql: "UPDATE upload_signatures SET delta_sha256 = ? WHERE rowid = 1", arguments: [String(repeating: "0", count: 64)])
        }
        try tampered.close()
        let caught = try PrivfedProcess(database: copy).run(["audit", "1"])
        XCTAssertNotEqual(caught.status, 0)
        XCTAssertTrue(caught.stdout.contains("FAIL  upload_signatures"), caught.stdout)
    }

    /// agent-1 is killed (SIGKILL) once the job is under way: with min_clients = 2 the rounds go
    /// on with the other two; started again, agent-1 rejoins and trains the rounds after.
    func testAKilledAgentIsADropoutAndRejoinsWhenRestarted() throws {
        let path = try manifest(name: "agents-dropout", rounds: 400, federation: "  min_clients: 2\n  round_timeout: 20")
        try export(path)
        let orchestrator = try startOrchestrator(path)
        var agents = try (0..<3).map { try startAgent($0) }
        XCTAssertNotNil(orchestrator.waitForEvent(["event": "round"], timeout: 60), orchestrator.stderr)
        agents[1].end()
        XCTAssertNotNil(orchestrator.waitForEvent(["event": "lost"], timeout: 20) ?? orchestrator.waitForEvent(["event": "disconnected"], timeout: 1))
        Thread.sleep(forTimeInterval: 0.5)
        agents[1] = try startAgent(1)
        XCTAssertNotNil(agents[1].waitForEvent(["event": "trained"], timeout: 60), "agent-1 never trained again: \(agents[1].lines)")
        let (status, job) = finish(orchestrator, timeout: 300)
        XCTAssertEqual(status, 0, orchestrator.stderr)
        XCTAssertEqual(job?["status"] as? String, "succeeded", orchestrator.stderr)
        let answered = try metrics("agents_answered").map(\.value)
        XCTAssertEqual(answered.count, 400)
        XCTAssertTrue(answered.contains(2), "some round went on without agent-1")
        XCTAssertEqual(answered.last, 3, "agent-1 is back by the last round")
        for agent in agents { agent.end() }
    }

    /// Below quorum (every client needed) a killed agent fails the round; the job ends `failed`
    /// with a message naming the missing agent, never left `running`.
    func testBelowQuorumTheRoundFailsNamingTheMissingAgent() throws {
        let path = try manifest(name: "agents-quorum", rounds: 400, federation: "  round_timeout: 20")
        try export(path)
        let orchestrator = try startOrchestrator(path)
        let agents = try (0..<3).map { try startAgent($0) }
        XCTAssertNotNil(orchestrator.waitForEvent(["event": "round"], timeout: 60), orchestrator.stderr)
        agents[1].end()
        let (status, _) = finish(orchestrator, timeout: 120)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(orchestrator.stderr.contains("agent-1 ("), orchestrator.stderr)
        XCTAssertTrue(orchestrator.stderr.contains("2 of 3 agents answered"), orchestrator.stderr)
        let db = try ResultsDatabase.forReading(path: database)
        let row = try db.engine.read { db in try SQLRow.fetchOne(db, sql: "SELECT status, error FROM jobs") }
        XCTAssertEqual(row?["status"] as String?, "failed")
        XCTAssertTrue((row?["error"] as String? ?? "").contains("agent-1"))
        // The round's wait for the agents is local_train's own stage run, failed with the same reason.
        let run = try db.engine.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT status, error FROM stage_runs WHERE stage = 'local_train' AND client IS NULL AND status = 'failed'")
        }
        XCTAssertTrue((run?["error"] as String? ?? "").contains("agent-1 ("), "\(String(describing: run))")
        for agent in agents { agent.end() }
    }

    /// The orchestrator is killed (SIGKILL) mid-job; `privfed orchestrator --resume 1 --force`
    /// on the same port continues from the checkpoint once the agents have redialled, each with
    /// the root it committed to, and the job finishes every round.
    func testAnOrchestratorKilledMidJobResumesAndTheAgentsRejoin() throws {
        let path = try manifest(name: "agents-resume", rounds: 300, federation: "  round_timeout: 20")
        try export(path)
        let first = try startOrchestrator(path)
        let agents = try (0..<3).map { try startAgent($0) }
        defer { for agent in agents { agent.end() } }
        XCTAssertNotNil(first.waitForEvent(["event": "round"], timeout: 60), first.stderr)
        first.end()
        let second = try resumingOrchestrator()
        let (status, job) = finish(second, timeout: 240)
        XCTAssertEqual(status, 0, second.stderr)
        XCTAssertEqual(job?["status"] as? String, "succeeded", second.stderr)
        XCTAssertEqual(job?["roundsCompleted"] as? Int, 300)
        let db = try ResultsDatabase.forReading(path: database)
        let resumptions = try db.engine.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resumptions WHERE job_id = 1") }
        XCTAssertEqual(resumptions, 1)
        XCTAssertEqual(try metrics("agents_answered").count, 300, "every round recorded once")
    }

    /// An agent that lost its state folder comes back with a new root: the resumed job refuses
    /// it by name and ends `failed`, rather than train on with roots the records do not commit to.
    func testAResumedJobRefusesAnAgentThatComesBackWithAnotherRoot() throws {
        let path = try manifest(name: "agents-lost-state", rounds: 300, federation: "  round_timeout: 20")
        try export(path)
        let first = try startOrchestrator(path)
        var agents = try (0..<3).map { try startAgent($0) }
        defer { for agent in agents { agent.end() } }
        XCTAssertNotNil(first.waitForEvent(["event": "round"], timeout: 60), first.stderr)
        first.end()
        agents[1].end()
        try FileManager.default.removeItem(at: kits.appendingPathComponent("agent-1/state"))
        agents[1] = try startAgent(1)
        let second = try resumingOrchestrator()
        let (status, _) = finish(second, timeout: 120)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(second.stderr.contains("agent-1 now acts as client/1 with another root"), second.stderr)
        let db = try ResultsDatabase.forReading(path: database)
        XCTAssertEqual(try db.engine.read { db in try String.fetchOne(db, sql: "SELECT status FROM jobs WHERE id = 1") }, "failed")
    }

    /// Ctrl-C while a round waits for a frozen agent (SIGSTOP: no answer, no goodbye) stops the
    /// wait at once, not after round_timeout: the job is `interrupted`, resumable.
    func testCtrlCWhileARoundWaitsForAFrozenAgentInterruptsAtOnce() throws {
        let path = try manifest(name: "agents-ctrl-c", rounds: 300, federation: "  round_timeout: 120")
        try export(path)
        let orchestrator = try startOrchestrator(path)
        let agents = try (0..<3).map { try startAgent($0) }
        defer { for agent in agents { agent.signal(SIGCONT); agent.end() } }
        XCTAssertNotNil(orchestrator.waitForEvent(["event": "round"], timeout: 60), orchestrator.stderr)
        agents[1].signal(SIGSTOP)
        Thread.sleep(forTimeInterval: 1)
        let asked = Date()
        orchestrator.signal(SIGINT)
        let (status, _) = finish(orchestrator, timeout: 60)
        XCTAssertLessThan(Date().timeIntervalSince(asked), 20, "the wait did not stop at the signal")
        XCTAssertEqual(status, 130, orchestrator.stderr)
        XCTAssertNotNil(orchestrator.waitForEvent(["event": "interrupted"], timeout: 1))
        let db = try ResultsDatabase.forReading(path: database)
        XCTAssertEqual(try db.engine.read { db in try String.fetchOne(db, sql: "SELECT status FROM jobs WHERE id = 1") }, "interrupted")
    }

    /// `privfed serve --agent-port` takes a `deployment: agents` manifest over HTTP and its worker
    /// runs the job on the agents on its link.
    func testServeWithAnAgentLinkRunsAnAgentsJobSubmittedOverHTTP() throws {
        let path = try manifest(name: "agents-serve", rounds: 2, federation: "")
        try export(path)
        let serve = try LinkProcess(["serve", "--host", "127.0.0.1", "--port", "0", "--insecure-no-auth", "--workers", "1",
                                     "--agent-port", "\(port)", "--identity", kits.appendingPathComponent("orchestrator").path,
                                     "--db", database, "--json"])
        defer { serve.end() }
        var httpPort: Int?
        let deadline = Date().addingTimeInterval(20)
        while httpPort == nil, Date() < deadline {
            httpPort = serve.events.first { $0["url"] != nil }?["port"] as? Int
            Thread.sleep(forTimeInterval: 0.05)
        }
        let api = "http://127.0.0.1:\(try XCTUnwrap(httpPort, serve.stderr))"
        let agents = try (0..<3).map { try startAgent($0) }
        defer { for agent in agents { agent.end() } }
        let submitted = try curl(["-X", "POST", "--data-binary", "@\(path)", "\(api)/api/training/start"])
        XCTAssertTrue(submitted.contains("\"location\" : \"/api/jobs/1\""), submitted)
        var status = ""
        let end = Date().addingTimeInterval(120)
        while !["succeeded", "failed"].contains(status), Date() < end {
            Thread.sleep(forTimeInterval: 0.2)
            let detail = try JSONSerialization.jsonObject(with: Data(try curl(["\(api)/api/jobs/1"]).utf8)) as? [String: Any]
            status = (detail?["job"] as? [String: Any])?["status"] as? String ?? ""
        }
        XCTAssertEqual(status, "succeeded", serve.stderr)
        XCTAssertEqual(try metrics("agents_answered").map(\.value), [3, 3])
        for agent in agents { XCTAssertEqual(agent.count(["event": "trained"]), 2) }
    }

    func curl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-s", "--max-time", "10"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return output
    }

    /// `privfed bench federation` on a small job: both runs finish, the round times are measured,
    /// and each agent's frames per round are the model's size to it and its update from it.
    func testTheFederationBenchRunsTheJobBothWaysAndReportsTheFramesPerAgent() throws {
        let path = root.appendingPathComponent("bench.yaml").path
        try smallMNISTManifest(name: "bench", seed: 5, clients: 2, trainExamples: 400, testExamples: 200, rounds: 2, clientsPerRound: 2)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try PrivfedProcess(database: database).run(["bench", "federation", "--agents", "2", "--manifest", path, "--json"],
                                                                 usesDatabase: false)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], outcome.stdout)
        XCTAssertEqual(result["agents"] as? Int, 2)
        XCTAssertGreaterThan(result["simulated_round_seconds"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(result["agents_round_seconds"] as? Double ?? 0, 0)
        // The MLP's 101,770 float32 parameters in one frame each way (plus headers and counts).
        XCTAssertEqual(result["bytes_to_agent_per_round"] as? Double ?? 0, 407_108, accuracy: 1)
        XCTAssertEqual(result["bytes_from_agent_per_round"] as? Double ?? 0, 407_122, accuracy: 1)
        XCTAssertNotNil(result["agents_accuracy"] as? Double)
    }
}
