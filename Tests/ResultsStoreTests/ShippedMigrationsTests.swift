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

    /// The folder that used to hold the schema stays gone: a migration added there would never run.
    func testNoMigrationsFolderAtTheRepositoryRoot() {
        XCTAssertFalse(FileManager.default.fileExists(atPath: repositoryRoot.appendingPathComponent("migrations").path),
                       "migrations live in Sources/ResultsStore/Migrations and are compiled in")
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
