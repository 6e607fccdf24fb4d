import Foundation
import Pipeline
import ResultsStore
import TestSupport
import XCTest

/// Additive secret sharing with the clients and the two share-holders as processes of their own
/// (issue 14), each agent running DP-SGD. Each agent seals one share of its update for each
/// share-holder; the orchestrator relays them and adds the holders' partial sums.
///
/// What is broken: one agent is killed with SIGKILL in round 2 after it trained, before it
/// sealed its shares. The round sums the two others: the model is bit for bit the one the same
/// job simulated in one process gives with that client named as the round's dropout. Then a
/// share-holder is killed: additive sharing needs all of them, so the round fails, naming it.
extension AgentJobProcessTests {
    func additiveManifest(rounds: Int) throws -> String {
        try dpManifest(name: "agents-additive", rounds: rounds, federation: "  min_clients: 2\n  round_timeout: 20",
                       privacy: "  secure_aggregation: additive\n  share_holders: 2")
    }

    func testAnAdditiveDPJobOverShareHoldersSumsTheSurvivorsExactlyWhenAnAgentIsKilled() throws {
        let path = try additiveManifest(rounds: 2)
        let (_, _, holders) = try runToSuccess(path, holders: 2, killing: 1, at: "round:2:additive:shares")
        XCTAssertEqual(try metrics("included_clients").map(\.value), [3, 2])
        XCTAssertEqual(try metrics("additive_dropouts").map(\.value), [0, 1])

        // Each holder summed once per round, over the clients the orchestrator then added.
        for h in 0..<2 {
            let sums = try String(contentsOf: kits.appendingPathComponent("share-holder-\(h)/state/partial-sums.jsonl"), encoding: .utf8)
                .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            XCTAssertEqual(sums.map { $0["clients"] as! [Int] }, [[0, 1, 2], [0, 2]], "share-holder-\(h)")
            XCTAssertEqual(holders[h].events.filter { $0["event"] as? String == "partial_sum" }.count, 2)
        }
        let db = try ResultsDatabase.forReading(path: database)
        XCTAssertEqual(try db.uploads(jobId: 1).map { "\($0.round)/\($0.client)" }, ["1/0", "1/1", "1/2", "2/0", "2/2"])
        XCTAssertEqual(try db.secretCommitments(jobId: 1).map(\.party).filter { $0.hasPrefix("share-holder/") }, ["share-holder/0", "share-holder/1"])
        let audit = try PrivfedProcess(database: database).run(["audit", "1"])
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        XCTAssertTrue(audit.stdout.contains("pass  upload_signatures"), audit.stdout)
        XCTAssertTrue(audit.stdout.contains("pass  mpc_security"), audit.stdout)
        try assertTheOrchestratorHoldsNothingOfTheAgents()

        // The twin, with every party's roots and client 1 named as round 2's dropout.
        let twin = try exactTwinHashes(of: path) {
            $0.replacingOccurrences(of: "  secure_aggregation: additive", with: "  secure_aggregation: additive\n  dropouts: { 2: [1] }")
        }
        XCTAssertEqual(try modelHashes(database), twin)
        XCTAssertEqual(twin.count, 2)
    }

    func testAShareHolderThatDiesFailsTheRoundNamingIt() throws {
        let path = try additiveManifest(rounds: 3)
        try export(path)
        let orchestrator = try startOrchestrator(path)
        let holders = try (0..<2).map { try startShareHolder($0) }
        let agents = try (0..<3).map { try startAgent($0) }
        XCTAssertNotNil(holders[1].waitForEvent(["event": "partial_sum"], timeout: 120), holders[1].stderr)
        kill(holders[1].process.processIdentifier, SIGKILL)
        let (status, _) = finish(orchestrator, timeout: 120)
        for process in agents + holders { process.end() }
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(orchestrator.stderr.contains("needs all 2 share-holders' partial sums; missing: share-holder-1"), orchestrator.stderr)
        let record = try ResultsDatabase.forReading(path: database).job(id: 1)
        XCTAssertEqual(record.status, .failed)
        XCTAssertLessThan(record.roundsCompleted, 3)
    }
}
