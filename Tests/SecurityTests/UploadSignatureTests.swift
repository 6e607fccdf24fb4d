import Foundation
@testable import Pipeline
import Provisioning
import ResultsStore
import TestSupport
import Wire
import XCTest

/// Agents' signed uploads (issue 14), attacked at the orchestrator's check (`RemoteTrainStage
/// .check`): agent-1 replays agent-0's signed upload as its own, an upload is re-labelled for
/// another round, a delta is changed after signing, a signature is made with a key the CA never
/// certified. Each is refused, with a record, and only the agent's own signature on its own
/// slot passes.
final class UploadSignatureTests: XCTestCase {
    var kits: [LoadedKit] = []

    override func setUpWithError() throws {
        let out = URL(fileURLWithPath: try scratchDirectory(prefix: "upload-signatures")).appendingPathComponent("kits")
        try StartupKit.provision(StartupKit.Plan(agents: 2), out: out)
        kits = try (0..<2).map { try LoadedKit.load(from: out.appendingPathComponent("agent-\($0)")) }
    }

    struct Clients: RemoteClients {
        let jobId: UInt64 = 7
        let manifestSha256 = String(repeating: "ab", count: 32)
        func agent(of client: Int) -> String { "agent-\(client)" }
        func train(_ work: RoundWork, clients: [Int], deadline: Duration) -> [Int: Result<RemoteUpload, RemoteFailure>] { [:] }
        func call(_ bodies: [Int: [UInt8]], deadline: Duration) -> [Int: Result<RemoteAnswer, RemoteFailure>] { [:] }
    }

    /// Agent `k`'s signed upload of `delta` for `round`, as client `client`, presented on a session of `session`'s certificate.
    func upload(signedBy k: Int, client: Int, round: Int, delta: [Float], session: Int? = nil, tamper: ((inout [Float]) -> Void)? = nil) throws -> RemoteUpload {
        let statement = UploadStatement(jobId: 7, manifestSha256: Clients().manifestSha256, round: round, client: client,
                                        deltaSha256: Digest.sha256Hex(floats: delta))
        var sent = delta
        tamper?(&sent)
        let update = ClientUpdateMessage(client: client, round: round, sampleCount: 10, payload: .plain(sent))
        let reply = TrainReply(update: update.encoded(), signature: try ParticipantSignature.sign(statement.bytes, with: kits[k]), steps: 0, epsilonSpent: 0)
        return RemoteUpload(reply: reply, certificatePEM: kits[session ?? k].certificatePEM)
    }

    func verdict(_ upload: RemoteUpload, client: Int, round: Int) -> String {
        switch RemoteTrainStage.check(upload, client: client, round: round, parameters: 4, secure: false, remote: Clients()) {
        case .success(let checked): return checked.record?.verdict ?? "unrecorded"
        case .failure(let refusal): return refusal.record?.verdict ?? "refused (unrecorded): \(refusal.reason)"
        }
    }

    func testOnlyAnAgentsOwnSignatureOnItsOwnSlotIsAccepted() throws {
        let delta: [Float] = [0.5, -0.25, 1, 0]
        XCTAssertEqual(verdict(try upload(signedBy: 0, client: 0, round: 3, delta: delta), client: 0, round: 3), "accepted")
        XCTAssertEqual(verdict(try upload(signedBy: 1, client: 1, round: 3, delta: delta), client: 1, round: 3), "accepted")
    }

    func testAgentOneReplayingAgentZerosSignedUploadIsRefused() throws {
        // agent-1, on its own session, sends agent-0's upload (signed by agent-0, for client 0).
        let replayed = try upload(signedBy: 0, client: 0, round: 3, delta: [1, 2, 3, 4], session: 1)
        XCTAssertTrue(verdict(replayed, client: 1, round: 3).hasPrefix("refused: it is the update of client 0"))
        // Re-labelled as client 1's, agent-0's signature does not verify under agent-1's certificate.
        let relabelled = try upload(signedBy: 0, client: 1, round: 3, delta: [1, 2, 3, 4], session: 1)
        XCTAssertTrue(verdict(relabelled, client: 1, round: 3).contains("signature does not verify"), verdict(relabelled, client: 1, round: 3))
    }

    func testAnUploadReplayedIntoAnotherRoundOrChangedAfterSigningIsRefused() throws {
        let lastRound = try upload(signedBy: 0, client: 0, round: 2, delta: [1, 2, 3, 4])
        XCTAssertTrue(verdict(lastRound, client: 0, round: 3).hasPrefix("refused: it is the update of client 0 for round 2"))
        let changed = try upload(signedBy: 0, client: 0, round: 3, delta: [1, 2, 3, 4]) { $0[2] += 1e-3 }
        XCTAssertTrue(verdict(changed, client: 0, round: 3).contains("signature does not verify"))
    }

    func testASignatureFromAKeyNoCertificateCoversIsRefused() throws {
        var forged = try upload(signedBy: 0, client: 0, round: 3, delta: [1, 2, 3, 4])
        let statement = UploadStatement(jobId: 7, manifestSha256: Clients().manifestSha256, round: 3, client: 0,
                                        deltaSha256: Digest.sha256Hex(floats: [1, 2, 3, 4]))
        forged.reply.signature = try ParticipantSignature.sign(statement.bytes, with: kits[1])  // agent-1's key, agent-0's certificate
        XCTAssertTrue(verdict(forged, client: 0, round: 3).contains("signature does not verify"))
        forged.reply.signature = []
        XCTAssertTrue(verdict(forged, client: 0, round: 3).contains("signature does not verify"))
    }
}
