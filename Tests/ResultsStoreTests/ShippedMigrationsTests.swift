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
