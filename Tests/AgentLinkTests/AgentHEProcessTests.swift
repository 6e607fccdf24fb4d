import Foundation
import GRDB
import Pipeline
import ResultsStore
import TestSupport
import XCTest

/// DP + HE with the key holders as agent processes (issue 14): each agent runs DP-SGD on its own
/// data, draws its share of the threshold CKKS key from its own root, sends its update only
/// encrypted under the collective key, and makes its smudged decryption shares of the round's sum.
/// The orchestrator never holds a key share or a plaintext update. The job's models are, round by
/// round, the ones the same job simulated in one process gives with the same roots, bit for bit.
extension AgentJobProcessTests {
    func testADPAndThresholdHEJobOverTheAgentsGivesItsSimulatedTwinsModel() throws {
        let path = try dpManifest(name: "agents-dp-he", rounds: 2, federation: "  round_timeout: 60", privacy: "  homomorphic_encryption: true")
        let agents = try runToSuccess(path).agents
        for (k, agent) in agents.enumerated() {
            let steps = agent.events.filter { $0["event"] as? String == "he" }.compactMap { $0["step"] as? String }
            XCTAssertEqual(steps, ["publicKeyShare", "publicKey", "aggregateDownload", "publicKey", "aggregateDownload"], "agent-\(k)")
        }
        XCTAssertEqual(try metrics("decryption_shares").map(\.value), [3, 3])
        XCTAssertEqual(try metrics("he_max_abs_error").count, 0, "a diagnostic only a simulation can compute")
        // The collective key goes to each agent once an epoch, with its first request to encrypt.
        let keyBytes = try metrics("public_key_bytes").filter { $0.client != nil }
        XCTAssertEqual(keyBytes.map(\.round), [1, 1, 1, 2, 2, 2])
        XCTAssertTrue(keyBytes.allSatisfy { $0.round == 1 ? $0.value > 100_000 : $0.value == 0 }, "\(keyBytes)")

        let db = try ResultsDatabase.forReading(path: database)
        let uploads = try db.uploads(jobId: 1)
        XCTAssertEqual(uploads.count, 6)
        XCTAssertTrue(uploads.allSatisfy { $0.verdict == UploadRecord.accepted }, "\(uploads.map(\.verdict))")
        let audit = try PrivfedProcess(database: database).run(["audit", "1"])
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        for check in ["upload_signatures", "he_security", "epsilon_within_budget"] {
            XCTAssertTrue(audit.stdout.contains("pass  \(check)"), audit.stdout)
        }
        try assertTheOrchestratorHoldsNothingOfTheAgents()
        XCTAssertEqual(try modelHashes(database), try exactTwinHashes(of: path))
    }
}
