import Foundation
import Learning
import Pipeline
import ResultsStore

/// Establishes, from the results database and the repository alone, whether a job's records and
/// privacy promises hold — without trusting whoever ran the job.
///
/// Checks: the recorded manifest hashes to its recorded SHA-256 and validates under today's code;
/// the dataset files the job recorded loading match the published checksums, and today's files
/// match the record; applied migrations match the compiled-in ones; the
/// privacy ledger's chain is intact with a row for every round and party; ε recomputed from the
/// ledger's own parameters equals what was recorded and never exceeded the budget; the one-run
/// canary audit; HE keys rotated as the manifest says, with 128-bit parameters; secure aggregation
/// with an honest-majority threshold or n-of-n shares; and, with
/// `reproduce`, a re-execution from the recorded manifest and seed yields the recorded model of
/// every round and every metric bit for bit.
public struct JobAuditor {
    public let database: ResultsDatabase
    public var reader = ManifestReader()
    /// The operator's Ed25519 public key (64 hex digits) the ledger's signatures must verify
    /// under; nil: the key file beside the database (`ResultsDatabase.operatorKeyPath`).
    public var operatorPublicKey: String?

    public init(database: ResultsDatabase) { self.database = database }

    /// Audits job `jobId` and records the audit in the `audits` table (unless the database was
    /// opened read-only: then the audit is returned and not recorded).
    /// - Parameters:
    ///   - secretsFile: the job's escrowed secrets for `reproduce` (else the path recorded at submission).
    ///   - progress: follows the re-execution of `reproduce` (the command line's progress bar).
    /// - Throws: `SecretsError` when `reproduce` is asked of a reproducible job whose secrets file
    ///   is missing or is not this job's: nothing is recorded then.
    public func audit(jobId: Int64, reproduce: Bool, secretsFile: String? = nil, baseDirectory: String? = nil,
                      progress: JobProgress? = nil) throws -> AuditReport {
        let job = try database.job(id: jobId)
        var findings: [AuditFinding] = []
        var replaySecrets: JobSecrets?
        if reproduce, let manifest = try? reader.parse(job.manifestText, file: job.manifestPath), manifest.randomness == .reproducible {
            replaySecrets = try JobService(database: database).secrets(jobId: jobId, manifest: manifest, file: secretsFile)
        }

        // 1. The manifest as recorded.
        let actual = Digest.sha256Hex(job.manifestText)
        findings.append(AuditFinding("manifest_hash", actual == job.manifestSha256,
                                     actual == job.manifestSha256 ? "manifest text hashes to the recorded SHA-256 \(actual)"
                                         : "manifest text hashes to \(actual) but \(job.manifestSha256) was recorded: the manifest was edited after the job ran"))
        var manifest: JobManifest?
        do {
            manifest = try JobService(database: database, reader: reader).recordedManifest(job)
            let sameCode = job.codeVersion == CodeVersion.current
            let sameLibraries = job.dependencies == nil || job.dependencies == ResolvedDependencies.recorded
            findings.append(AuditFinding("manifest_valid", true, "validates under privfed \(CodeVersion.current)"
                                         + (sameCode ? "" : "; the job ran under \(job.codeVersion) (a different code version)")
                                         + (sameLibraries ? "" : "; the job ran with other dependency versions (\(job.dependencies ?? ""))")))
        } catch {
            findings.append(AuditFinding("manifest_valid", false, "does not validate under privfed \(CodeVersion.current): \(error)"))
        }

        // 2. The dataset.
        if let manifest { findings.append(try DatasetAudit(database: database).finding(job: job, manifest: manifest, baseDirectory: baseDirectory)) }

        // 3. The schema, and the commitments that stand in for the parties' secrets.
        findings.append(try migrationFinding())
        if let manifest { findings.append(try secretCommitmentFinding(job: job, manifest: manifest, verified: replaySecrets != nil)) }

        // 4. The ledger.
        findings += try LedgerAudit(database: database, operatorPublicKey: operatorPublicKey).findings(job: job, manifest: manifest)
        if let canaries = try EmpiricalPrivacyAudit(database: database).finding(job: job, manifest: manifest) { findings.append(canaries) }

        // 5. The cryptography as it ran: HE keys against the rotation policy and the 128-bit
        // bounds; secure aggregation against its thresholds.
        let metrics = try database.metrics(jobId: jobId)
        findings += try HEKeyAudit(database: database).findings(job: job, manifest: manifest, metrics: metrics)
        if let mpc = SecureAggregationAudit().finding(job: job, manifest: manifest, metrics: metrics) { findings.append(mpc) }
        if let manifest, let uploads = try UploadSignatureAudit(database: database).finding(job: job, manifest: manifest) { findings.append(uploads) }

        // 6. Re-execution.
        if reproduce {
            if let manifest {
                findings.append(try reproduction(job: job, manifest: manifest, secrets: replaySecrets, baseDirectory: baseDirectory,
                                                 progress: progress))
            } else {
                findings.append(AuditFinding("reproduction", false, "cannot re-execute: the recorded manifest does not validate"))
            }
        }

        let report = AuditReport(jobId: jobId, codeVersion: CodeVersion.current, createdAt: Timestamp.now(), reproduced: reproduce,
                                 findings: findings)
        if !database.isReadOnly { try record(report) }
        return report
    }

    func migrationFinding() throws -> AuditFinding {
        let recorded = try database.engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT version, name, sha256 FROM privfed_migrations ORDER BY version")
        }
        let files = Dictionary(uniqueKeysWithValues: Migration.shipped(for: database.engine.dialect).map { ($0.version, $0) })
        var problems: [String] = []
        for row in recorded {
            let version: Int = row["version"], sha: String = row["sha256"]
            guard let file = files[version] else { problems.append("migration \(version) is not one this privfed ships"); continue }
            if file.sha256 != sha { problems.append("migration \(version) (\(file.file)) hashes to \(file.sha256), recorded \(sha)") }
        }
        return problems.isEmpty ? AuditFinding("migrations", true, "\(recorded.count) applied migrations match the ones compiled into privfed")
            : AuditFinding("migrations", false, problems.joined(separator: "; "))
    }

    /// Re-executes the job into a scratch database and compares every round's model hash and
    /// every metric with the recorded ones.
    func reproduction(job: JobRecord, manifest: JobManifest, secrets: JobSecrets?, baseDirectory: String?,
                      progress: JobProgress? = nil) throws -> AuditFinding {
        guard manifest.randomness == .reproducible, let secrets else {
            return AuditFinding("reproduction", true, "not applicable: the job ran with randomness: secure (its parties' roots came from the OS and were never stored); the records were checked instead")
        }
        let scratchDir = FileManager.default.temporaryDirectory.appendingPathComponent("privfed-audit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratchDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratchDir) }
        let scratch = try ResultsDatabase(path: scratchDir + "/replay.sqlite")
        let prepared = try PreparedJob.prepare(manifest, secrets: secrets, baseDirectory: baseDirectory)
        var record = JobRecord(name: job.name, manifestPath: job.manifestPath, manifestText: job.manifestText, seed: job.seed,
                               randomness: job.randomness, codeVersion: CodeVersion.current, status: .queued, roundsPlanned: job.roundsPlanned)
        record.createdAt = job.createdAt
        let replayId = try scratch.insertJob(record)
        try scratch.startJob(id: replayId, worker: "audit")
        _ = try? JobRunner(database: scratch, worker: "audit", progress: progress).execute(prepared, jobId: replayId)

        let recordedArtifacts = try database.artifacts(jobId: job.id!)
        let replayedArtifacts = try scratch.artifacts(jobId: replayId)
        for (a, b) in zip(recordedArtifacts, replayedArtifacts) where a != b {
            return AuditFinding("reproduction", false, "round \(a.round): recorded model \(a.sha256) but re-execution gives \(b.sha256)")
        }
        if recordedArtifacts.count != replayedArtifacts.count {
            return AuditFinding("reproduction", false, "recorded \(recordedArtifacts.count) model artifacts, re-execution produced \(replayedArtifacts.count)")
        }
        let recordedMetrics = try database.metrics(jobId: job.id!)
        let replayedMetrics = try scratch.metrics(jobId: replayId)
        for (a, b) in zip(recordedMetrics, replayedMetrics) where a != b {
            let who = a.client.map { "client \($0)" } ?? "aggregator"
            return AuditFinding("reproduction", false, "round \(a.round) \(a.stage) \(who) \(a.name): recorded \(a.value) \(a.unit), re-execution gives \(b.name) = \(b.value)")
        }
        if recordedMetrics.count != replayedMetrics.count {
            return AuditFinding("reproduction", false, "recorded \(recordedMetrics.count) metrics, re-execution produced \(replayedMetrics.count)")
        }
        return AuditFinding("reproduction", true, "re-executed \(job.roundsPlanned) rounds: all \(recordedArtifacts.count) model hashes and \(recordedMetrics.count) metrics equal bit for bit")
    }

    /// A reproducible job records one commitment per party of its manifest, and no secret; a
    /// secure job records none (its roots were never stored). `verified`: a secrets file was
    /// checked against the commitments (by `reproduce`).
    func secretCommitmentFinding(job: JobRecord, manifest: JobManifest, verified: Bool) throws -> AuditFinding {
        let recorded = try database.secretCommitments(jobId: job.id!)
        guard manifest.randomness == .reproducible else {
            return recorded.isEmpty
                ? AuditFinding("secret_commitments", true, "randomness: secure: every party's root came from the OS and was never stored; the job cannot be replayed")
                : AuditFinding("secret_commitments", false, "a secure job recorded \(recorded.count) secret commitments; it should record none")
        }
        let expected = Set(Party.all(in: manifest).map(\.description))
        let parties = Set(recorded.map(\.party))
        guard parties == expected else {
            let missing = expected.subtracting(parties).sorted(), extra = parties.subtracting(expected).sorted()
            return AuditFinding("secret_commitments", false, "commitments recorded for \(parties.count) parties, expected \(expected.count)"
                                + (missing.isEmpty ? "" : "; missing: \(missing.joined(separator: ", "))")
                                + (extra.isEmpty ? "" : "; unexpected: \(extra.joined(separator: ", "))"))
        }
        guard recorded.allSatisfy({ $0.commitment.count == 64 && $0.commitment.allSatisfy(\.isHexDigit) }) else {
            return AuditFinding("secret_commitments", false, "a recorded commitment is not a SHA-256 digest")
        }
        return AuditFinding("secret_commitments", true, "one commitment per party (\(recorded.count)); the roots are held outside the database"
                            + (verified ? ", and the secrets file given matches every commitment" : ""))
    }

    func record(_ report: AuditReport) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(report.findings), as: UTF8.self)
        try database.engine.write { db in
            try db.execute(sql: """
                INSERT INTO audits (job_id, created_at, code_version, reproduced, passed, findings_json) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [report.jobId, report.createdAt, report.codeVersion, report.reproduced ? 1 : 0, report.passed ? 1 : 0, json])
        }
    }
}
