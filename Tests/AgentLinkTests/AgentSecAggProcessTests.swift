import Foundation
import GRDB
import Pipeline
import ResultsStore
import TestSupport
import XCTest

/// SecAgg+ with the clients as agent processes (issue 14), each running DP-SGD: the orchestrator
/// is the SecAgg server and each agent a user that keeps its update on its own machine. What is broken: one agent is
/// killed with SIGKILL in the middle of the protocol, after its keys are shared and before its
/// masked input — the case where the server must rebuild its pairwise masks from the others'
/// Shamir shares. The round still gives the survivors' exact sum: the model is bit for bit the
/// one the same job simulated in one process gives with that client named as the round's dropout.
extension AgentJobProcessTests {
    func testADPSecAggPlusJobSumsTheSurvivorsExactlyWhenAnAgentIsKilledMidRound() throws {
        let path = try dpManifest(name: "agents-secagg", rounds: 2, federation: "  min_clients: 2\n  round_timeout: 20",
                                  privacy: "  secure_aggregation: secagg_plus")
        let (_, agents, _) = try runToSuccess(path, killing: 1, at: "round:2:secagg:masked-input", timeout: 180)
        XCTAssertEqual(agents[1].events.filter { $0["event"] as? String == "secagg" && $0["round"] as? Int == 2 }.compactMap { $0["step"] as? String },
                       ["advertise-keys", "share-keys"])
        XCTAssertEqual(try metrics("included_clients").map(\.value), [3, 2])
        XCTAssertEqual(try metrics("secagg_dropouts").map(\.value), [0, 1])

        // What the orchestrator recorded of the uploads: the signed masked inputs, none from
        // agent-1 in round 2, and no delta or update of any agent.
        let db = try ResultsDatabase.forReading(path: database)
        let uploads = try db.uploads(jobId: 1)
        XCTAssertEqual(uploads.map { "\($0.round)/\($0.client)" }, ["1/0", "1/1", "1/2", "2/0", "2/2"])
        XCTAssertTrue(uploads.allSatisfy { $0.verdict == UploadRecord.accepted })
        let audit = try PrivfedProcess(database: database).run(["audit", "1"])
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        XCTAssertTrue(audit.stdout.contains("pass  upload_signatures"), audit.stdout)
        XCTAssertTrue(audit.stdout.contains("pass  epsilon_within_budget"), audit.stdout)
        // Each agent's own ledger has its releases: agent-1 released both rounds (it trained
        // round 2 before it died), and the orchestrator's ledger agrees.
        for k in 0..<3 {
            let lines = try String(contentsOf: kits.appendingPathComponent("agent-\(k)/state/ledger.jsonl"), encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.count, 2, "agent-\(k)")
        }
        try assertTheOrchestratorHoldsNothingOfTheAgents()

        // The twin: the same job in one process, with the agents' and the orchestrator's roots,
        // and client 1 named as round 2's dropout (it leaves after sharing its keys, as agent-1
        // did). Its models are the agents' bit for bit: the survivors' exact sum.
        let twin = try exactTwinHashes(of: path) {
            $0.replacingOccurrences(of: "  secure_aggregation: secagg_plus", with: "  secure_aggregation: secagg_plus\n  dropouts: { 2: [1] }")
        }
        XCTAssertEqual(try modelHashes(database), twin)
        XCTAssertEqual(try modelHashes(database).count, 2)
    }
}
