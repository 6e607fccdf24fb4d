import Foundation
import Pipeline
import ResultsStore
import TestSupport
import XCTest

/// DP + HE + MPC with the key holders as agent processes and the two share-holders as processes
/// of their own (issue 14). Each agent re-shares its share of the collective key among the
/// share-holders, each fragment sealed for its holder; the holders decrypt, so an agent may leave
/// once it uploaded. What is broken: agent-1 is killed with SIGKILL before it trains round 3.
/// Under threshold HE that round could not be decrypted; here the holders decrypt the other two
/// agents' sum, and every round's model is bit for bit the simulated twin's with client 1 named
/// as round 3's dropout.
extension AgentJobProcessTests {
    func testADPHEMPCJobDecryptsWithItsShareHoldersWhenAnAgentIsGone() throws {
        let path = try dpManifest(name: "agents-dp-he-mpc", rounds: 3, federation: "  min_clients: 2\n  round_timeout: 60",
                                  privacy: "  homomorphic_encryption: true\n  secure_aggregation: additive\n  share_holders: 2")
        let (_, agents, holders) = try runToSuccess(path, holders: 2, killing: 1, at: "round:3:stage:local_train")

        // The agents re-shared their keys once (one epoch) and never decrypted; the holders did, each round.
        for (k, agent) in agents.enumerated() {
            let steps = agent.events.filter { $0["event"] as? String == "he" }.compactMap { $0["step"] as? String }
            XCTAssertEqual(steps, ["publicKeyShare", "key-fragments", "publicKey", "publicKey"] + (k == 1 ? [] : ["publicKey"]), "agent-\(k)")
        }
        for holder in holders {
            XCTAssertEqual(holder.events.filter { $0["event"] as? String == "key_share" }.count, 1)
            XCTAssertEqual(holder.events.filter { $0["step"] as? String == "holder-decryption-shares" }.count, 3)
        }
        XCTAssertEqual(try metrics("decryption_shares").map(\.value), [2, 2, 2])
        let db = try ResultsDatabase.forReading(path: database)
        XCTAssertEqual(try db.uploads(jobId: 1).map { "\($0.round)/\($0.client)" }, ["1/0", "1/1", "1/2", "2/0", "2/1", "2/2", "3/0", "3/2"])
        let audit = try PrivfedProcess(database: database).run(["audit", "1"])
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        for check in ["upload_signatures", "he_security", "mpc_security", "epsilon_within_budget"] {
            XCTAssertTrue(audit.stdout.contains("pass  \(check)"), audit.stdout)
        }
        try assertTheOrchestratorHoldsNothingOfTheAgents()
        let twin = try exactTwinHashes(of: path) {
            $0.replacingOccurrences(of: "  secure_aggregation: additive", with: "  secure_aggregation: additive\n  dropouts: { 3: [1] }")
        }
        XCTAssertEqual(try modelHashes(database), twin)
        XCTAssertEqual(twin.count, 3)
    }
}
