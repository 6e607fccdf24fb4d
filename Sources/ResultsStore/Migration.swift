import Crypto
import Foundation

/// One schema migration, `NNNN_name.sql` (or its PostgreSQL form `postgres/NNNN_name.pgsql`), applied once, in order.
///
/// The SQL is compiled into the binary (`ShippedMigrations.swift`); nothing is read from the
/// working directory or from beside the executable, so a `migrations/` folder planted where
/// privfed runs has no effect. The database records each applied migration with the SHA-256 of
/// its SQL, so a migration changed after it was applied is detected (GRDB's convention: applied
/// migrations never change).
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    /// The file the SQL was compiled from (`0001_results.sql`), for messages.
    public let file: String
    public let sql: String

    /// SHA-256 of the SQL's bytes, lowercase hex.
    public var sha256: String { Digest.sha256Hex(Array(sql.utf8)) }

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.file = String(repeating: "0", count: max(0, 4 - String(version).count)) + "\(version)_\(name).sql"
        self.sql = sql
    }

    /// The migration compiled from `file` (`NNNN_name.sql`) with contents `bytes`.
    /// - Throws: `ResultsStoreError.badMigrationName` or `.migrationFailed` (not UTF-8).
    public init(file: String, bytes: [UInt8]) throws {
        // `.pgsql`: the PostgreSQL form of the same migration (`Migrations/postgres/`).
        let suffix = file.hasSuffix(".pgsql") ? ".pgsql" : ".sql"
        let base = file.split(separator: "/").last.map(String.init) ?? file
        let stem = base.hasSuffix(suffix) ? String(base.dropLast(suffix.count)) : base
        let parts = stem.split(separator: "_", maxSplits: 1)
        guard file.hasSuffix(suffix), parts.count == 2, parts[0].count == 4, let version = Int(parts[0]) else {
            throw ResultsStoreError.badMigrationName(file: file)
        }
        guard let sql = String(validating: bytes, as: UTF8.self) else {
            throw ResultsStoreError.migrationFailed(file: file, message: "not UTF-8")
        }
        self.version = version
        self.name = String(parts[1])
        self.file = file
        self.sql = sql
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
