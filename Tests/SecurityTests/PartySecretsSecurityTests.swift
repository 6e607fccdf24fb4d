import Audit
import Foundation
@testable import Pipeline
import Randomness
import ResultsStore
import TestSupport
import XCTest

/// The attack on the first release: whoever holds the manifest (stored in the database, served by
/// the API, printed in reports) replays the job under D and D′ and tells them apart, or recomputes
/// every key, mask and noise draw from the seed. Each test plays the attacker with everything
/// public — the manifest and the whole results database — and shows it now fails; and that the
/// holder of the escrowed secrets file, and only they, re-execute the job bit for bit.
final class PartySecretsSecurityTests: XCTestCase {
    /// A DP + CKKS job with client-level DP and threshold decryption: every kind of private draw
    /// (cohort coins, noise shares, HE key shares, encryption randomness, smudging).
    /// (8 clients at q = 6/8.)
    static let dpHE = smallMNISTManifest(name: "dp-he", seed: 7, clients: 8, trainExamples: 1200, testExamples: 300,
                                         rounds: 2, clientsPerRound: 6, extra: """
        privacy:
          differential_privacy: true
          unit: client
          epsilon: 50
          noise_multiplier: 0.5
          homomorphic_encryption: true
          encryption_scheme: CKKS
        """)

    static let secagg = smallMNISTManifest(name: "secagg", seed: 7, clients: 6, trainExamples: 1200, testExamples: 300,
                                           rounds: 2, clientsPerRound: 6, extra: "privacy:\n  secure_aggregation: secagg\n  threshold: 4")

    static let dpSGD = smallMNISTManifest(name: "dp-sgd", seed: 7, clients: 3, trainExamples: 900, testExamples: 300,
                                          rounds: 2, clientsPerRound: 3, extra: """
        privacy:
          differential_privacy: true
          unit: example
          epsilon: 20
          noise_multiplier: 1.0
        """)

    func testTwoRunsOfOneManifestTrainDifferentModels() throws {
        for text in [Self.dpHE, Self.secagg, Self.dpSGD] {
            let (db, path) = try scratchJob(text, prefix: "twice")
            let a = try JobService(database: db).runNow(try JobService.ready(path: path))
            let b = try JobService(database: db).runNow(try JobService.ready(path: path))
            XCTAssertEqual(a.status, "succeeded"); XCTAssertEqual(b.status, "succeeded")
            XCTAssertNotEqual(a.modelSha256, b.modelSha256, "two runs of \(path) gave one model: the private draws are public")
        }
    }

    /// The attacker re-runs the recorded manifest with everything the database holds; without the
    /// parties' roots the replay cannot give the recorded model, and the database holds no root.
    func testDatabaseAndManifestAloneCannotReplayTheJobOrRecoverASecret() throws {
        let (db, path) = try scratchJob(Self.dpHE, prefix: "attacker")
        let victim = try JobService(database: db).runNow(try JobService.ready(path: path))
        let record = try db.job(id: victim.jobId)
        let manifest = try ManifestReader().parse(record.manifestText, file: record.manifestPath)

        // Replay from the public record: a different model every time.
        let replay = try JobService(database: db).runNow(JobService.ReadyJob(path: path, text: record.manifestText,
                                                                              prepared: try PreparedJob.prepare(manifest)))
        XCTAssertNotEqual(replay.modelSha256, victim.modelSha256)

        // The recorded commitments bind every party, and no root is anywhere in the database file.
        let secretsFile = try XCTUnwrap(try db.secretsPath(jobId: victim.jobId))
        let secrets = try SecretsFile.read(secretsFile)
        XCTAssertNil(secrets.mismatch(against: try db.secretCommitments(jobId: victim.jobId)))
        XCTAssertEqual(Set(try db.secretCommitments(jobId: victim.jobId).map(\.party)), Set(Party.all(in: manifest).map(\.description)))
        let dbBytes = try [db.path, db.path + "-wal"].compactMap { FileManager.default.contents(atPath: $0) }.reduce(Data(), +)
        for (party, root) in secrets.roots {
            XCTAssertNil(dbBytes.range(of: Data(root.bytes)), "\(party)'s root is in the database")
            XCTAssertNil(dbBytes.range(of: Data(root.hex.utf8)), "\(party)'s root (hex) is in the database")
        }
        // The seed no longer keys any private stream: the public streams' keys differ from every party's.
        let prepared = try PreparedJob.prepare(manifest, secrets: secrets)
        XCTAssertNotEqual(prepared.publicStreams.key("round/1/noise-share"), prepared.secrets.streams(for: .client(0)).key("round/1/noise-share"))

        // The file is the owner's alone.
        let mode = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: secretsFile)[.posixPermissions] as? Int)
        XCTAssertEqual(mode & 0o777, 0o600)
    }

    /// With the escrowed secrets file the audit re-executes bit for bit; without it, it refuses and
    /// names the file; with another job's file, it refuses and names the party that differs.
    func testReproductionNeedsTheJobsOwnSecretsFile() throws {
        let (db, path) = try scratchJob(Self.secagg, prefix: "escrow")
        let first = try JobService(database: db).runNow(try JobService.ready(path: path))
        let second = try JobService(database: db).runNow(try JobService.ready(path: path))
        let firstFile = try XCTUnwrap(try db.secretsPath(jobId: first.jobId))
        let secondFile = try XCTUnwrap(try db.secretsPath(jobId: second.jobId))

        let report = try JobAuditor(database: db).audit(jobId: first.jobId, reproduce: true, baseDirectory: repositoryRoot.path)
        XCTAssertTrue(report.passed, report.findings.filter { !$0.passed }.map(\.evidence).joined(separator: "; "))
        XCTAssertTrue(report.findings.contains { $0.check == "reproduction" && $0.passed && $0.evidence.contains("bit for bit") })

        XCTAssertThrowsError(try JobAuditor(database: db).audit(jobId: second.jobId, reproduce: true, secretsFile: firstFile)) { error in
            guard case SecretsError.commitmentMismatch(let file, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(file, firstFile)
        }
        try FileManager.default.removeItem(atPath: secondFile)
        XCTAssertThrowsError(try JobAuditor(database: db).audit(jobId: second.jobId, reproduce: true)) { error in
            XCTAssertEqual(error as? SecretsError, .missing(file: secondFile))
            XCTAssertTrue("\(error)".contains(secondFile))
        }
    }

    /// `privfed run MANIFEST --secrets FILE` replays a job on purpose: the same model.
    func testReplayingTheSecretsFileGivesTheSameModel() throws {
        let (db, path) = try scratchJob(Self.dpSGD, prefix: "replay")
        let first = try JobService(database: db).runNow(try JobService.ready(path: path))
        let file = try XCTUnwrap(try db.secretsPath(jobId: first.jobId))
        let again = try JobService(database: db).runNow(try JobService.ready(path: path, secretsFile: file))
        XCTAssertEqual(again.modelSha256, first.modelSha256)
        XCTAssertEqual(try db.secretsPath(jobId: again.jobId), file, "a replay records the file it replayed, writing no new one")
    }

    /// A secrets file readable by others, or that is not a secrets file, is refused with its name.
    func testLooseOrMalformedSecretsFilesAreRefused() throws {
        let dir = try scratchDirectory(prefix: "loose")
        let secrets = JobSecrets(roots: [.aggregator: .fromOperatingSystem(), .client(0): .fromOperatingSystem()])
        let path = try SecretsFile.write(secrets, jobId: 1, name: "x", directory: dir)
        XCTAssertEqual(try SecretsFile.read(path).roots, secrets.roots)
        chmod(path, 0o644)
        XCTAssertThrowsError(try SecretsFile.read(path)) { XCTAssertTrue("\($0)".contains("chmod 600 \(path)"), "\($0)") }
        let bad = dir + "/bad.json"
        FileManager.default.createFile(atPath: bad, contents: Data("{\"format\": \"privfed-secrets/1\", \"roots\": {\"client/0\": \"abc\"}}".utf8),
                                       attributes: [.posixPermissions: 0o600])
        XCTAssertThrowsError(try SecretsFile.read(bad)) { error in
            XCTAssertEqual(error as? SecretsError, .malformed(file: bad, reason: "the root of client/0 is not 64 hex digits"))
        }
    }
}
