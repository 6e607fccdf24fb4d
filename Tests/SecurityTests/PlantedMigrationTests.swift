import Foundation
import GRDB
import XCTest
@testable import ResultsStore
import TestSupport

/// The attack of issue 15: a `migrations/` folder where privfed is run, holding the real schema
/// with a `0007_evil.sql` that drops the ledger's append-only trigger. privfed's schema is
/// compiled in, so the folder has no effect.
final class PlantedMigrationTests: XCTestCase {
    func testMigrationsFolderInTheWorkingDirectoryHasNoEffect() throws {
        let dir = try scratchDirectory(prefix: "planted")
        let planted = dir + "/migrations"
        try FileManager.default.createDirectory(atPath: planted, withIntermediateDirectories: true)
        for migration in Migration.shipped where migration.version != 7 {
            try migration.sql.write(toFile: planted + "/" + migration.file, atomically: true, encoding: .utf8)
        }
        let seven = try XCTUnwrap(Migration.shipped.first { $0.version == 7 })
        try (seven.sql + "\nDROP TRIGGER privacy_ledger_no_update;\nDROP TRIGGER privacy_ledger_no_delete;\n")
            .write(toFile: planted + "/0007_evil.sql", atomically: true, encoding: .utf8)
        let manifest = try writeManifest(smallMNISTManifest(name: "planted", seed: 1, clients: 2, trainExamples: 100,
                                                            testExamples: 50, rounds: 1, clientsPerRound: 2), in: dir)

        let database = dir + "/fresh.sqlite"
        let outcome = try PrivfedProcess(database: database).run(["submit", manifest], in: URL(fileURLWithPath: dir))
        XCTAssertEqual(outcome.status, 0, outcome.stderr)

        let queue = try DatabaseQueue(path: database)
        let (triggers, recorded) = try queue.read { db in
            (try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'privacy_ledger_%'"),
             try String.fetchAll(db, sql: "SELECT name FROM privfed_migrations ORDER BY version"))
        }
        XCTAssertEqual(Set(triggers), ["privacy_ledger_no_update", "privacy_ledger_no_delete"])
        XCTAssertEqual(recorded, Migration.shipped.map(\.name))
        XCTAssertFalse(recorded.contains("evil"))
    }
}
