import Crypto
import Foundation

/// One schema migration: a file `migrations/NNNN_name.sql`, applied once, in order.
///
/// The database records each applied migration with the SHA-256 of its file, so a migration
/// edited after the fact is detected (GRDB's convention: applied migrations never change).
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let file: String
    public let sql: String

    /// SHA-256 of the file's bytes, lowercase hex.
    public var sha256: String { Digest.sha256Hex(Array(sql.utf8)) }

    /// Reads every `NNNN_name.sql` in `directory`, sorted by version.
    public static func load(from directory: String) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.sorted()
        var result: [Migration] = []
        for fileName in names {
            let file = (directory as NSString).appendingPathComponent(fileName)
            let stem = String(fileName.dropLast(4))
            let parts = stem.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 4, let version = Int(parts[0]) else {
                throw ResultsStoreError.badMigrationName(file: file)
            }
            guard let sql = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ResultsStoreError.migrationFailed(file: file, message: "cannot read the file as UTF-8")
            }
            result.append(Migration(version: version, name: String(parts[1]), file: file, sql: sql))
        }
        return result
    }

    /// Finds the project's migrations/ folder: `$PRIVFED_HOME/migrations`, then ./migrations and its
    /// parents, then the folders above the running executable (`.build/release/privfed` sits three
    /// levels below the repository root).
    public static func locateDirectory() throws -> String {
        var candidates: [String] = []
        if let home = ProcessInfo.processInfo.environment["PRIVFED_HOME"] {
            candidates.append((home as NSString).appendingPathComponent("migrations"))
        }
        var dir = FileManager.default.currentDirectoryPath
        for _ in 0..<4 {
            candidates.append((dir as NSString).appendingPathComponent("migrations"))
            dir = (dir as NSString).deletingLastPathComponent
        }
        var exe = (CommandLine.arguments.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path } ?? "")
        for _ in 0..<5 {
            exe = (exe as NSString).deletingLastPathComponent
            candidates.append((exe as NSString).appendingPathComponent("migrations"))
        }
        var isDir: ObjCBool = false
        for c in candidates where FileManager.default.fileExists(atPath: c, isDirectory: &isDir) && isDir.boolValue {
            if (try? FileManager.default.contentsOfDirectory(atPath: c).contains { $0.hasSuffix(".sql") }) == true {
                return c
            }
        }
        throw ResultsStoreError.migrationsNotFound(searched: Array(candidates.prefix(3)))
    }
}

/// SHA-256 helpers shared by the store (manifest hashes, model hashes, ledger chain).
public enum Digest {
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    public static func sha256Hex(_ string: String) -> String { sha256Hex(Array(string.utf8)) }

    /// SHA-256 of float32 values as little-endian bytes: the identity of a model.
    public static func sha256Hex(floats: [Float]) -> String {
        floats.withUnsafeBytes { raw in SHA256.hash(data: raw).map { String(format: "%02x", $0) }.joined() }
    }
}
