import Foundation
import XCTest
@testable import Pipeline
@testable import ResultsStore
import TestSupport

/// Jobs recorded in PostgreSQL, against a real server (`ScratchPostgres`): the same model hashes
/// as in SQLite from the same secrets, workers in separate processes draining one queue with no
/// job taken twice, and a killed worker's job taken over — the store's behaviour, not a mock's.
final class PostgresJobTests: XCTestCase {
    func database(_ label: String) throws -> String {
        guard ScratchPostgres.server != nil else { throw XCTSkip(ScratchPostgres.unavailableReason) }
        return try ScratchPostgres.makeDatabase(label)
    }

    /// What privfed keeps beside a server's database goes in the working directory: the tests'
    /// processes run in `dir`, and the in-process store and service are pointed at the same files.
    func open(_ url: String, _ dir: String) throws -> ResultsDatabase {
        try ResultsDatabase(path: url, operatorKeyFile: dir + "/privfed-operator.key")
    }

    func service(_ db: ResultsDatabase, _ dir: String) -> JobService {
        JobService(database: db, secretsDirectory: dir + "/privfed-secrets",
                   localRecordsDirectory: dir + "/privfed-local")
    }

    func manifest(_ name: String, privacy: String = "", rounds: Int = 2, clients: Int = 4, train: Int = 800) -> String {
        smallMNISTManifest(name: name, seed: 5, clients: clients, trainExamples: train, testExamples: 200,
                           rounds: rounds, clientsPerRound: clients, extra: privacy)
    }

    static let dp = """
    privacy:
      differential_privacy: true
      unit: example
      epsilon: 30
      noise_multiplier: 1.1
    """

    static let secagg = """
    privacy:
      secure_aggregation: secagg
      dropout_rate: 0.25
    """

    /// A plain, a DP and a secagg job run on SQLite and then, from the same secrets files, on
    /// PostgreSQL: every model, metric and ledger row is the same, and the audit passes there.
    func testJobsGiveTheSameRecordsOnPostgreSQLAsOnSQLite() throws {
        let url = try database("same-models")
        let dir = try scratchDirectory(prefix: "pg-same")
        let server = try open(url, dir)
        for (name, privacy) in [("plain", ""), ("dp", Self.dp), ("secagg", Self.secagg)] {
            let (sqlite, path) = try scratchJob(manifest(name, privacy: privacy), prefix: "pg-\(name)")
            let first = try JobService(database: sqlite).runNow(try JobService.ready(path: path))
            let secrets = try XCTUnwrap(try sqlite.secretsPath(jobId: first.jobId))
            let again = try service(server, dir).runNow(try JobService.ready(path: path, secretsFile: secrets))
            XCTAssertEqual(again.status, "succeeded", name)
            XCTAssertEqual(again.modelSha256, first.modelSha256, "\(name): the model differs between the engines")
            XCTAssertEqual(try RecordedJob(server, jobId: again.jobId), try RecordedJob(sqlite, jobId: first.jobId), name)
            XCTAssertTrue(try server.verifyLedgerChain(jobId: again.jobId).isIntact, name)
        }
        let audit = try PrivfedProcess(database: url).run(["audit", "--all"], in: URL(fileURLWithPath: dir))
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        XCTAssertTrue(audit.stdout.contains("3 jobs audited: all passed"), audit.stdout)
    }

    /// Forty queued jobs, four `privfed worker` processes at once: every job runs exactly once
    /// (one summary line among all workers, no stage run or metric recorded twice), and the
    /// workers shared the queue (FOR UPDATE SKIP LOCKED, not one worker taking everything).
    func testFourWorkersDrainFortyJobsWithNoJobTakenTwice() throws {
        let url = try database("four-workers")
        let dir = try scratchDirectory(prefix: "pg-workers")
        let path = try writeManifest(manifest("tiny", rounds: 1, clients: 2, train: 200), in: dir)
        let server = try open(url, dir)
        for _ in 0..<40 { _ = try service(server, dir).submit(path: path) }
        let privfed = try PrivfedProcess(database: url)
        let workers = try (0..<4).map { _ in try privfed.start(["worker", "--exit-when-idle", "--poll", "0.2", "--json"], in: URL(fileURLWithPath: dir)) }
        let outcomes = workers.map(privfed.wait)
        var runs: [Int64: Int] = [:], busy = 0
        for outcome in outcomes {
            XCTAssertEqual(outcome.status, 0, outcome.stderr)
            let ids = outcome.stdout.split(separator: "\n").compactMap { line -> Int64? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
                return (object["jobId"] as? NSNumber)?.int64Value
            }
            if !ids.isEmpty { busy += 1 }
            for id in ids { runs[id, default: 0] += 1 }
        }
        XCTAssertEqual(runs.count, 40, "every job ran")
        XCTAssertEqual(runs.values.filter { $0 != 1 }.count, 0, "a job ran twice: \(runs.filter { $0.value != 1 })")
        XCTAssertGreaterThan(busy, 1, "the workers shared the queue")
        for id in 1...40 {
            XCTAssertEqual(try server.job(id: Int64(id)).status, .succeeded)
            XCTAssertEqual(try RecordedJob.duplicates(server, jobId: Int64(id)), [], "job \(id)")
        }
    }

    /// A worker killed with SIGKILL after committing round 2 leaves its job running under a dead
    /// process; the next worker takes it over and finishes it from its checkpoint, recording
    /// nothing twice.
    func testAWorkerKilledMidJobIsTakenOver() throws {
        let url = try database("takeover")
        let dir = try scratchDirectory(prefix: "pg-takeover")
        let path = try writeManifest(manifest("takeover", privacy: Self.dp, rounds: 3), in: dir)
        let privfed = try PrivfedProcess(database: url)
        XCTAssertEqual(try privfed.run(["submit", path], in: URL(fileURLWithPath: dir)).status, 0)
        let crashed = try privfed.run(["worker", "--once", "--lease", "600"], fault: "round:2:after-commit", in: URL(fileURLWithPath: dir))
        XCTAssertTrue(crashed.killed, crashed.stderr)
        let server = try open(url, dir)
        XCTAssertEqual(try server.job(id: 1).status, .running)
        let taken = try privfed.run(["worker", "--once", "--json"], in: URL(fileURLWithPath: dir))
        XCTAssertEqual(taken.status, 0, taken.stderr)
        XCTAssertEqual(try server.job(id: 1).status, .succeeded)
        XCTAssertEqual(try server.job(id: 1).roundsCompleted, 3)
        XCTAssertEqual(try RecordedJob.duplicates(server, jobId: 1), [])
        XCTAssertTrue(try server.verifyLedgerChain(jobId: 1).isIntact)
        let audit = try privfed.run(["audit", "1"], in: URL(fileURLWithPath: dir))
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
    }

    /// `privfed db copy` moves an SQLite database to PostgreSQL with its ledger chains and signed
    /// heads intact: the audit passes on the copy, a second copy into it is refused, and the
    /// copy's next job gets a fresh id (the identity sequences were advanced past the copied ids).
    func testDatabaseCopyToPostgreSQLKeepsTheLedgerAndPassesTheAudit() throws {
        let url = try database("copy")
        let dir = try scratchDirectory(prefix: "pg-copy")
        let sqlitePath = dir + "/source.sqlite"
        let sqlite = try ResultsDatabase(path: sqlitePath)
        for (name, privacy) in [("plain", ""), ("dp", Self.dp)] {
            let path = try writeManifest(manifest(name, privacy: privacy), in: dir, named: "\(name).yaml")
            XCTAssertEqual(try service(sqlite, dir).runNow(try JobService.ready(path: path)).status, "succeeded")
        }
        let privfed = try PrivfedProcess(database: url)
        let here = URL(fileURLWithPath: dir)
        let copied = try privfed.run(["db", "copy", "--from", "sqlite:" + sqlitePath, "--to", url, "--json"], usesDatabase: false, in: here)
        XCTAssertEqual(copied.status, 0, copied.stderr)
        XCTAssertTrue(copied.stdout.contains("\"privacy_ledger\""), copied.stdout)
        let audit = try privfed.run(["audit", "--all"], in: here)
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        XCTAssertTrue(audit.stdout.contains("2 jobs audited: all passed"), audit.stdout)

        let server = try open(url, dir)
        XCTAssertEqual(try server.ledger(jobId: 2), try sqlite.ledger(jobId: 2))
        XCTAssertEqual(try RecordedJob(server, jobId: 2), try RecordedJob(sqlite, jobId: 2))
        let again = try privfed.run(["db", "copy", "--from", sqlitePath, "--to", url], usesDatabase: false, in: here)
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("already holds 2 job(s)"), again.stderr)
        let path = try writeManifest(manifest("after-copy"), in: dir, named: "after.yaml")
        XCTAssertEqual(try service(server, dir).runNow(try JobService.ready(path: path)).jobId, 3)
    }
}
