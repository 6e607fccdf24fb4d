import Foundation
import XCTest
@testable import ResultsStore
import TestSupport

/// The schema privfed applies is the one compiled into it, and that is every file of
/// Sources/ResultsStore/Migrations, byte for byte.
final class ShippedMigrationsTests: XCTestCase {
    func testCompiledInListHoldsEveryMigrationFileByteForByte() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: repositoryMigrations).filter { $0.hasSuffix(".sql") }.sorted()
        XCTAssertFalse(files.isEmpty)
        XCTAssertEqual(Migration.shipped.map(\.file), files, "register each file of \(repositoryMigrations) in ShippedMigrations.swift")
        for file in files {
            let bytes = try XCTUnwrap(FileManager.default.contents(atPath: repositoryMigrations + "/" + file))
            let shipped = try XCTUnwrap(Migration.shipped.first { $0.file == file })
            XCTAssertEqual(shipped.sha256, Digest.sha256Hex(Array(bytes)), file)
            XCTAssertEqual(shipped, try Migration(file: file, bytes: Array(bytes)))
        }
        XCTAssertEqual(Migration.shipped.map(\.version), Array(1...Migration.shipped.count), "versions are 1, 2, … without gaps")
    }

    /// Every SQLite migration has its PostgreSQL form (`postgres/NNNN_name.pgsql`), compiled in
    /// byte for byte, with the same version and name.
    func testEveryMigrationHasItsPostgreSQLFormCompiledIn() throws {
        let folder = repositoryMigrations + "/postgres"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".pgsql") }.sorted()
        XCTAssertEqual(Migration.shippedPostgres.map(\.file), files.map { "postgres/" + $0 }, "register each file of \(folder)")
        XCTAssertEqual(Migration.shippedPostgres.map(\.version), Migration.shipped.map(\.version))
        XCTAssertEqual(Migration.shippedPostgres.map(\.name), Migration.shipped.map(\.name))
        for file in files {
            let bytes = try XCTUnwrap(FileManager.default.contents(atPath: folder + "/" + file))
            let shipped = try XCTUnwrap(Migration.shippedPostgres.first { $0.file == "postgres/" + file })
            XCTAssertEqual(shipped.sha256, Digest.sha256Hex(Array(bytes)), file)
        }
    }

    /// The statement splitter and placeholder numbering the PostgreSQL engine runs migrations and
    /// statements through: semicolons and `?` inside literals, comments and `$$` bodies stay text.
    func testPostgresScriptsSplitOutsideLiteralsAndPlaceholdersAreNumbered() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE t (a TEXT DEFAULT 'x;y?');
            CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'no; never'; END; $$ LANGUAGE plpgsql;
            /* block; comment */ SELECT 1
            """
        let statements = SQLScript.statements(script)
        XCTAssertEqual(statements.count, 3, "\(statements)")
        XCTAssertTrue(statements[1].hasSuffix("LANGUAGE plpgsql"), statements[1])
        XCTAssertEqual(SQLPlaceholders.numbered("SELECT ? , '?', \"a?\" FROM t WHERE x = ? -- ?\n AND y = ?"),
                       "SELECT $1 , '?', \"a?\" FROM t WHERE x = $2 -- ?\n AND y = $3")
    }

    /// The repository's top-level `migrations/` (where a reader of the repository looks for the
    /// schema) is a link to the compiled-in folder, so there is one copy of each migration and a
    /// file added there is a file added to the binary's list, which `testEveryFileIsShipped…` checks.
    func testTheTopLevelMigrationsFolderIsTheCompiledInOne() throws {
        let top = repositoryRoot.appendingPathComponent("migrations")
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: top.path)
        XCTAssertEqual(target, "Sources/ResultsStore/Migrations")
    }

    func testMigrationFileNamesAreChecked() {
        XCTAssertThrowsError(try Migration(file: "1_results.sql", bytes: Array("SELECT 1;".utf8))) { error in
            XCTAssertEqual(error as? ResultsStoreError, .badMigrationName(file: "1_results.sql"))
        }
        XCTAssertThrowsError(try Migration(file: "0001_results.sql", bytes: [0xff, 0xfe])) { error in
            XCTAssertEqual("\(error)", "0001_results.sql: not UTF-8")
        }
    }
}
