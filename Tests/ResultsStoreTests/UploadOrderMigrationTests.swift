import Foundation
import XCTest
import ResultsStore
import TestSupport

/// Migration 0013 on both engines: a database recorded at version 12 keeps its uploads, each
/// numbered in the order the orchestrator received it, so a client's refused upload and its retry
/// in one round read back in that order; the append-only guards hold on the rebuilt table.
final class UploadOrderMigrationTests: XCTestCase {
    static let received: [(client: Int, verdict: String)] = [
        (0, "refused: delta hash does not match"), (1, "accepted"), (0, "accepted"), (2, "accepted"),
    ]

    func testSQLiteDatabaseAtVersion12GetsUploadIds() throws {
        let dir = try scratchDirectory(prefix: "upload-order")
        try checkMigration(at: dir + "/results.sqlite", dialect: .sqlite, dir: dir)
    }

    func testPostgreSQLDatabaseAtVersion12GetsUploadIds() throws {
        guard ScratchPostgres.server != nil else { throw XCTSkip(ScratchPostgres.unavailableReason) }
        let dir = try scratchDirectory(prefix: "pg-upload-order")
        try checkMigration(at: try ScratchPostgres.makeDatabase("uploadorder"), dialect: .postgres, dir: dir)
    }

    func checkMigration(at location: String, dialect: SQLDialect, dir: String) throws {
        let key = dir + "/privfed-operator.key"
        let jobId: Int64
        do {
            let old = try ResultsDatabase(path: location, migrations: Array(Migration.shipped(for: dialect).prefix(12)), operatorKeyFile: key)
            XCTAssertEqual(old.migrations.last?.version, 12)
            jobId = try sampleLedgerJob(old)
            var batch = RoundRecordBatch(round: 1, selectedClients: [0, 1, 2], startedAt: "t0", finishedAt: "t1")
            batch.uploads = Self.received.map { upload($0.client, $0.verdict) }
            try old.commitRound(jobId: jobId, batch)
        }
        let db = try ResultsDatabase(path: location, operatorKeyFile: key)
        XCTAssertEqual(db.migrations.map(\.version), Array(1...13))
        let numbered = try db.engine.read { s in
            try SQLRow.fetchAll(s, sql: "SELECT id, client, verdict FROM upload_signatures ORDER BY id")
        }
        XCTAssertEqual(numbered.map { $0["id"] as Int64 }, [1, 2, 3, 4])
        XCTAssertEqual(numbered.map { $0["verdict"] as String }, Self.received.map(\.verdict), "numbered in the order received")
        XCTAssertEqual(try db.uploads(jobId: jobId).map(\.verdict),
                       ["refused: delta hash does not match", "accepted", "accepted", "accepted"])
        XCTAssertEqual(try db.uploads(jobId: jobId).map(\.client), [0, 0, 1, 2], "by client, the refused upload before its retry")

        for sql in ["UPDATE upload_signatures SET verdict = 'accepted'", "DELETE FROM upload_signatures"] {
            XCTAssertThrowsError(try db.engine.write { try $0.execute(sql: sql) }) { error in
                XCTAssertTrue("\(error)".contains("upload_signatures is append-only"), "\(error)")
            }
        }
        var next = RoundRecordBatch(round: 2, selectedClients: [0], startedAt: "t2", finishedAt: "t3")
        next.uploads = [upload(0, "accepted", round: 2)]
        try db.commitRound(jobId: jobId, next)
        XCTAssertEqual(try db.engine.read { try Int64.fetchOne($0, sql: "SELECT MAX(id) FROM upload_signatures") }, 5)
    }

    func upload(_ client: Int, _ verdict: String, round: Int = 1) -> UploadRecord {
        UploadRecord(round: round, client: client, agent: "client-\(client)", deltaSha256: String(repeating: "a", count: 64),
                     signature: "00", certificatePEM: "-----BEGIN CERTIFICATE-----", verdict: verdict)
    }
}
