import Foundation
import GRDB
import XCTest
@testable import ResultsStore

/// The real `privfed` executable, run as a child process on a scratch database — so a crash is a
/// real SIGKILL of a real process, with SQLite's own recovery on the next open.
struct PrivfedProcess {
    struct Outcome {
        var status: Int32
        /// The process died of a signal (`status` is then the signal number).
        var signaled: Bool
        var stdout: String
        var stderr: String
        var killed: Bool { signaled && status == SIGKILL }
    }

    let executable: URL
    let database: String

    /// `privfed` is built by `swift test` into the same products directory as the test bundle.
    static func locate() throws -> URL {
        var candidates: [URL] = []
        if let first = CommandLine.arguments.first { candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent()) }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        candidates += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        for dir in candidates {
            let url = dir.appendingPathComponent("privfed")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw PrivfedNotBuilt(searched: candidates.map(\.path))
    }

    init(database: String) throws {
        self.executable = try Self.locate()
        self.database = database
    }

    /// Runs `privfed ARGS --db DATABASE` to its end; `fault` sets `PRIVFED_FAULT_INJECT`, and
    /// `environment` sets further variables (e.g. `COLUMNS` for the help width).
    @discardableResult
    func run(_ arguments: [String], fault: String? = nil, environment extra: [String: String] = [:]) throws -> Outcome {
        try wait(start(arguments, fault: fault, environment: extra))
    }

    func start(_ arguments: [String], fault: String? = nil, environment extra: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments + ["--db", database]
        process.currentDirectoryURL = repositoryRoot
        var environment = ProcessInfo.processInfo.environment
        environment["PRIVFED_HOME"] = repositoryRoot.path
        environment[FaultInjectionVariable.name] = fault
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    func wait(_ started: (Process, Pipe, Pipe)) -> Outcome {
        let (process, out, err) = started
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                       stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}

struct PrivfedNotBuilt: Error, CustomStringConvertible {
    var searched: [String]
    var description: String { "no privfed executable next to the test bundle (looked in \(searched)); swift test builds it" }
}

enum FaultInjectionVariable { static let name = "PRIVFED_FAULT_INJECT" }

/// What a job left in the database, for comparing a resumed job with an uninterrupted one.
struct RecordedJob: Equatable {
    var status: String
    var artifacts: [ArtifactRecord]
    var metrics: [MetricRecord]
    /// Ledger entries in chain order (without their timestamps and hashes).
    var ledger: [LedgerEntry]
    var stageRunKeys: [String]

    init(_ db: ResultsDatabase, jobId: Int64) throws {
        status = try db.job(id: jobId).status.rawValue
        artifacts = try db.artifacts(jobId: jobId)
        metrics = try db.metrics(jobId: jobId)
        ledger = try db.ledger(jobId: jobId).map(\.entry)
        stageRunKeys = try db.stageRuns(jobId: jobId).map { "\($0.round)/\($0.stage)/\($0.client.map(String.init) ?? "-")/\($0.succeeded)" }
    }

    /// Groups that occur more than once where each must occur once: rounds × stage × client for
    /// stage runs, plus metric name for metrics, round × party × mechanism for the ledger.
    static func duplicates(_ db: ResultsDatabase, jobId: Int64) throws -> [String] {
        try db.writer.read { db in
            try [
                "SELECT 'stage_runs ' || round || ' ' || stage || ' ' || ifnull(client, '-') FROM stage_runs WHERE job_id = ? GROUP BY round, stage, client HAVING count(*) > 1",
                "SELECT 'metrics ' || round || ' ' || stage || ' ' || ifnull(client, '-') || ' ' || name FROM metrics WHERE job_id = ? GROUP BY round, stage, client, name HAVING count(*) > 1",
                "SELECT 'ledger ' || round || ' ' || party || ' ' || mechanism FROM privacy_ledger WHERE job_id = ? GROUP BY round, party, mechanism HAVING count(*) > 1",
            ].flatMap { try String.fetchAll(db, sql: $0, arguments: [jobId]) }
        }
    }
}
