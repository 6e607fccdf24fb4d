/// privfed's schema, in order: the files of `Sources/ResultsStore/Migrations`, compiled into the
/// binary by SwiftPM's `embedInCode` rule (`PackageResources`, generated at build time).
///
/// Registered once, by name, as GRDB registers its migrations; `ShippedMigrationsTests` checks
/// that this list holds every file of that folder byte for byte, so a new migration cannot be
/// forgotten here.
extension Migration {
    public static let shipped: [Migration] = {
        let compiled: [(file: String, bytes: [UInt8])] = [
            ("0001_results.sql", PackageResources._001_results_sql),
            ("0002_privacy_ledger.sql", PackageResources._002_privacy_ledger_sql),
            ("0003_audits.sql", PackageResources._003_audits_sql),
            ("0004_he_keys.sql", PackageResources._004_he_keys_sql),
            ("0005_canary_audits.sql", PackageResources._005_canary_audits_sql),
            ("0006_checkpoints.sql", PackageResources._006_checkpoints_sql),
            ("0007_party_secrets.sql", PackageResources._007_party_secrets_sql),
            ("0008_ledger_integrity.sql", PackageResources._008_ledger_integrity_sql),
            ("0009_job_dependencies.sql", PackageResources._009_job_dependencies_sql),
            ("0010_dataset_files.sql", PackageResources._010_dataset_files_sql),
            ("0011_interrupted_jobs.sql", PackageResources._011_interrupted_jobs_sql),
            ("0012_upload_signatures.sql", PackageResources._012_upload_signatures_sql),
            ("0013_upload_order_and_truncate.sql", PackageResources._013_upload_order_and_truncate_sql),
        ]
        // The files are ours and named NNNN_name.sql in UTF-8; a broken one is a build defect.
        let migrations = compiled.map { try! Migration(file: $0.file, bytes: $0.bytes) }
        precondition(migrations.map(\.version) == migrations.map(\.version).sorted(), "shipped migrations out of order")
        return migrations
    }()

    /// The same sequence in PostgreSQL's SQL: `Migrations/postgres/NNNN_name.pgsql`, one file per
    /// SQLite migration, with the same version and name and the same resulting schema (BIGINT for
    /// INTEGER, DOUBLE PRECISION for REAL, BYTEA for BLOB, identity columns for AUTOINCREMENT, and
    /// the append-only guards as trigger functions). Each engine records its own files' SHA-256,
    /// so a changed file is refused on either.
    public static let shippedPostgres: [Migration] = {
        let compiled: [(file: String, bytes: [UInt8])] = [
            ("postgres/0001_results.pgsql", PackageResources._001_results_pgsql),
            ("postgres/0002_privacy_ledger.pgsql", PackageResources._002_privacy_ledger_pgsql),
            ("postgres/0003_audits.pgsql", PackageResources._003_audits_pgsql),
            ("postgres/0004_he_keys.pgsql", PackageResources._004_he_keys_pgsql),
            ("postgres/0005_canary_audits.pgsql", PackageResources._005_canary_audits_pgsql),
            ("postgres/0006_checkpoints.pgsql", PackageResources._006_checkpoints_pgsql),
            ("postgres/0007_party_secrets.pgsql", PackageResources._007_party_secrets_pgsql),
            ("postgres/0008_ledger_integrity.pgsql", PackageResources._008_ledger_integrity_pgsql),
            ("postgres/0009_job_dependencies.pgsql", PackageResources._009_job_dependencies_pgsql),
            ("postgres/0010_dataset_files.pgsql", PackageResources._010_dataset_files_pgsql),
            ("postgres/0011_interrupted_jobs.pgsql", PackageResources._011_interrupted_jobs_pgsql),
            ("postgres/0012_upload_signatures.pgsql", PackageResources._012_upload_signatures_pgsql),
            ("postgres/0013_upload_order_and_truncate.pgsql", PackageResources._013_upload_order_and_truncate_pgsql),
        ]
        let migrations = compiled.map { try! Migration(file: $0.file, bytes: $0.bytes) }
        precondition(migrations.map(\.version) == shipped.map(\.version) && migrations.map(\.name) == shipped.map(\.name),
                     "the PostgreSQL migrations must be the SQLite sequence, file for file")
        return migrations
    }()

    /// The shipped sequence in the SQL of `dialect`.
    public static func shipped(for dialect: SQLDialect) -> [Migration] {
        dialect == .sqlite ? shipped : shippedPostgres
    }
}
