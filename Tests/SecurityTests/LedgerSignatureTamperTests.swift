import Crypto
import Foundation
import GRDB
import XCTest
@testable import Audit
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// The attack the unkeyed hash chain cannot stop: someone with write access to the database drops
/// the append-only triggers, rewrites the ledger's last rows (here: halves the ε they spent) and
/// recomputes every hash after them, so `ledger_chain` passes. The operator's Ed25519 signature
/// over each release's head (RFC 8032), made with a key kept outside the database, cannot be
/// recomputed: `ledger_signature` fails and names the row after which the ledger was rewritten.
final class LedgerSignatureTamperTests: XCTestCase {
    /// Six rows in three releases of two rows, so three signed heads: over 2, 4 and 6 rows.
    func signedLedger() throws -> (db: ResultsDatabase, id: Int64) {
        let db = try scratchDatabase(in: try scratchDirectory(prefix: "ledger-sig"))
        let id = try db.insertJob(JobRecord(name: "dp", manifestPath: "m.yaml", manifestText: "name: dp", seed: 1,
                                            randomness: "reproducible", codeVersion: "test", status: .running, roundsPlanned: 3))
        var spent = 0.0
        for round in 1...3 {
            let entries = (0..<2).map { client -> LedgerEntry in
                spent += 0.4
                return LedgerEntry(round: round, party: "client/\(client)", unit: "example", samplingRate: 0.01, noiseMultiplier: 1.1,
                                   steps: 100, maxGradNorm: 1, delta: 1e-5, epsilonRound: 0.4, epsilonSpentRDP: spent,
                                   epsilonSpentPLD: spent * 0.9, budgetEpsilon: 3, decision: "released", accountant: "rdp",
                                   accountantVersion: "test")
            }
            try db.appendLedger(entries, jobId: id)
        }
        return (db, id)
    }

    func operatorKey(_ db: ResultsDatabase) throws -> String { try OperatorKey.read(at: db.operatorKeyPath).publicKeyHex }

    /// Writes behind privfed's back, every append-only trigger dropped first.
    func tamper(_ db: ResultsDatabase, _ body: (Database) throws -> Void) throws {
        let queue = try DatabaseQueue(path: db.path)
        try queue.write { conn in
            for trigger in ["privacy_ledger_no_update", "privacy_ledger_no_delete", "ledger_signatures_no_update",
                            "ledger_signatures_no_delete", "operator_keys_no_update", "operator_keys_no_delete"] {
                try conn.execute(sql: "DROP TRIGGER IF EXISTS \(trigger)")
            }
            try body(conn)
        }
    }

    /// Halves the ε spent on rows `from...` (0-based) and recomputes the chain from there on.
    func rewriteSuffix(_ db: ResultsDatabase, jobId: Int64, from first: Int) throws {
        let rows = try db.ledger(jobId: jobId)
        let job = try db.job(id: jobId)
        var previous = first == 0 ? ResultsDatabase.ledgerGenesis(jobId: jobId, manifestSha256: job.manifestSha256) : rows[first - 1].rowHash
        try tamper(db) { conn in
            for row in rows[first...] {
                var entry = row.entry
                entry.epsilonSpentRDP /= 2
                entry.epsilonSpentPLD = entry.epsilonSpentPLD.map { $0 / 2 }
                let hash = ResultsDatabase.chainHash(previous: previous, canonical: entry.canonicalText(jobId: jobId, createdAt: row.createdAt))
                try conn.execute(sql: "UPDATE privacy_ledger SET epsilon_spent_rdp = ?, epsilon_spent_pld = ?, prev_hash = ?, row_hash = ? WHERE id = ?",
                                 arguments: [entry.epsilonSpentRDP, entry.epsilonSpentPLD, previous, hash, row.id])
                previous = hash
            }
        }
    }

    func testUntouchedLedgerVerifiesUnderTheOperatorKey() throws {
        let (db, id) = try signedLedger()
        let key = try operatorKey(db)
        XCTAssertEqual(try db.verifyLedgerSignatures(jobId: id, operatorPublicKey: key), .verified(signatures: 3, rows: 6))
        let recorded = try db.engine.read { try String.fetchAll($0, sql: "SELECT public_key FROM operator_keys") }
        XCTAssertEqual(recorded, [key])
    }

    func testTheKeyFileIsCreatedPrivateBesideTheDatabase() throws {
        let (db, _) = try signedLedger()
        XCTAssertEqual(db.operatorKeyPath, (db.path as NSString).deletingLastPathComponent + "/privfed-operator.key")
        let mode = try FileManager.default.attributesOfItem(atPath: db.operatorKeyPath)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: db.operatorKeyPath)
        XCTAssertThrowsError(try OperatorKey.read(at: db.operatorKeyPath)) { error in
            XCTAssertEqual(error as? OperatorKeyError, .readableByOthers(path: db.operatorKeyPath, mode: 0o644))
            XCTAssertTrue("\(error)".contains(db.operatorKeyPath), "\(error)")
        }
    }

    func testRewrittenSuffixWithRecomputedChainIsNamed() throws {
        let (db, id) = try signedLedger()
        try rewriteSuffix(db, jobId: id, from: 4)
        XCTAssertEqual(try db.verifyLedgerChain(jobId: id), .intact(rows: 6), "the attack recomputes the unkeyed chain")
        let finding = try db.verifyLedgerSignatures(jobId: id, operatorPublicKey: try operatorKey(db))
        XCTAssertEqual(finding, .rewritten(afterRow: 4, signedCount: 6, rows: 6))
        XCTAssertTrue(finding.description.contains("ledger rewritten after row 4"), finding.description)
    }

    func testDroppedLastRowIsNamed() throws {
        let (db, id) = try signedLedger()
        let last = try db.ledger(jobId: id).last!
        try tamper(db) { try $0.execute(sql: "DELETE FROM privacy_ledger WHERE id = ?", arguments: [last.id]) }
        XCTAssertEqual(try db.verifyLedgerChain(jobId: id), .intact(rows: 5), "a deleted final row leaves the chain intact")
        XCTAssertEqual(try db.verifyLedgerSignatures(jobId: id, operatorPublicKey: try operatorKey(db)),
                       .rewritten(afterRow: 4, signedCount: 6, rows: 5))
    }

    func testRowsAppendedWithoutTheKeyAreUnsigned() throws {
        let (db, id) = try signedLedger()
        var extra = try db.ledger(jobId: id).last!.entry
        extra.round = 4
        try db.engine.write { try ResultsDatabase.appendLedger([extra], jobId: id, db: $0) }
        XCTAssertEqual(try db.verifyLedgerSignatures(jobId: id, operatorPublicKey: try operatorKey(db)),
                       .unsignedSuffix(signedRows: 6, rows: 7))
    }

    /// The attacker re-signs the rewritten ledger with a key of their own: recording their
    /// public key is caught, and so is passing their signature off under the operator's key.
    func testSignaturesMadeWithAnotherKeyFail() throws {
        let (db, id) = try signedLedger()
        let operatorPublic = try operatorKey(db)
        try rewriteSuffix(db, jobId: id, from: 4)
        let attacker = Curve25519.Signing.PrivateKey()
        let attackerPublic = Hex.encode(attacker.publicKey.rawRepresentation)
        let heads = try db.ledger(jobId: id).enumerated().filter { $0.offset % 2 == 1 }
            .map { LedgerHead(jobId: id, rowCount: $0.offset + 1, headHash: $0.element.rowHash) }
        for claimed in [attackerPublic, operatorPublic] {
            try tamper(db) { conn in
                try conn.execute(sql: "DELETE FROM ledger_signatures WHERE job_id = ?", arguments: [id])
                try conn.execute(sql: "INSERT OR IGNORE INTO operator_keys (public_key, first_used_at) VALUES (?, 'now')", arguments: [claimed])
                for head in heads {
                    try conn.execute(sql: """
                        INSERT INTO ledger_signatures (job_id, row_count, head_hash, public_key, signature, created_at) VALUES (?, ?, ?, ?, ?, 'now')
                        """, arguments: [id, head.rowCount, head.headHash, claimed, Hex.encode(try attacker.signature(for: head.message))])
                }
            }
            let finding = try db.verifyLedgerSignatures(jobId: id, operatorPublicKey: operatorPublic)
            XCTAssertFalse(finding.passed, "\(finding)")
            if claimed == attackerPublic {
                XCTAssertEqual(finding, .foreignKey(recorded: attackerPublic, expected: operatorPublic))
            } else {
                guard case .badSignature = finding else { return XCTFail("\(finding)") }
            }
            // Against the attacker's own key the forgery is self-consistent: trust must come from outside.
            if claimed == attackerPublic {
                XCTAssertEqual(try db.verifyLedgerSignatures(jobId: id, operatorPublicKey: attackerPublic), .verified(signatures: 3, rows: 6))
            }
        }
    }

    /// End to end on a real DP job: the audit's `ledger_chain` passes the recomputed chain and
    /// `ledger_signature` fails naming the row; the untouched job passes; an auditor holding
    /// another operator's public key fails it.
    func testAuditCatchesARewrittenSuffixOfARealJob() throws {
        let dir = try scratchDirectory(prefix: "ledger-sig-job")
        let manifest = smallMNISTManifest(name: "signed", seed: 4, mnistPath: repositoryMNIST, clients: 2, trainExamples: 1000,
                                          testExamples: 200, rounds: 2, clientsPerRound: 2, learningRate: 0.5,
                                          extra: "privacy: { differential_privacy: true, epsilon: 3, delta: 1e-5, max_grad_norm: 1.0 }")
        let db = try scratchDatabase(in: dir)
        let id = try JobService(database: db).runNow(try JobService.ready(path: try writeManifest(manifest, in: dir))).jobId

        let clean = try JobAuditor(database: db).audit(jobId: id, reproduce: false)
        XCTAssertTrue(clean.passed, "\(clean.findings.filter { !$0.passed })")
        XCTAssertTrue(clean.findings.contains { $0.check == "ledger_signature" && $0.passed })

        var stranger = JobAuditor(database: db)
        stranger.operatorPublicKey = Hex.encode(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation)
        let foreign = try stranger.audit(jobId: id, reproduce: false).findings.first { $0.check == "ledger_signature" }
        XCTAssertEqual(foreign?.passed, false)
        XCTAssertTrue(foreign?.evidence.contains("not the operator's key") == true, "\(String(describing: foreign))")

        let rows = try db.ledger(jobId: id).count
        try rewriteSuffix(db, jobId: id, from: rows - 1)
        let report = try JobAuditor(database: db).audit(jobId: id, reproduce: false)
        XCTAssertTrue(report.findings.contains { $0.check == "ledger_chain" && $0.passed }, "\(report.findings)")
        let signature = report.findings.first { $0.check == "ledger_signature" }
        XCTAssertEqual(signature?.passed, false)
        XCTAssertTrue(signature?.evidence.contains("ledger rewritten after row \(rows - 1)") == true, "\(String(describing: signature))")
    }
}
