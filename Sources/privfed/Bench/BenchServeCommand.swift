import ArgumentParser
import Foundation
import ResultsStore
import Service

struct BenchServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Load-test the HTTP API on loopback: concurrent submissions, then status requests.",
        discussion: """
        Starts `privfed serve`'s application on 127.0.0.1 at a free port with a fresh token and no workers \
        (jobs stay queued, so this measures the API, not training), in a scratch database unless --db is \
        given. Then --submissions clients post the seed's {"privacy": KIND} to /api/training/start (the \
        four kinds in turn) and --status-requests GET /api/jobs/{id} follow, at most --concurrency in \
        flight. Reports requests/s and latency p50/p95/p99 per phase; exits 1 if any request failed.

        Example:
          privfed bench serve --status-requests 1000 --submissions 50 --concurrency 16
        """
    )

    @Option(help: "GET /api/jobs/{id} requests.") var statusRequests = 1000
    @Option(help: "POST /api/training/start requests.") var submissions = 50
    @Option(help: "Requests in flight at once.") var concurrency = 16
    @Option(help: ArgumentHelp("The shipped manifests folder.", valueName: "dir")) var manifests = "manifests"
    @Option(help: ArgumentHelp("The results database: an SQLite file or a postgres:// URL (default: a scratch SQLite file, removed afterwards).", valueName: "path|url")) var db: String?
    @Flag(help: "Print JSON for scripts.") var json = false

    func validate() throws {
        guard (1...1_000_000).contains(statusRequests) else { throw ValidationError("--status-requests must be in 1...1000000") }
        guard (1...100_000).contains(submissions) else { throw ValidationError("--submissions must be in 1...100000") }
        guard (1...1024).contains(concurrency) else { throw ValidationError("--concurrency must be in 1...1024") }
    }

    func run() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("privfed-bench-serve-\(UUID().uuidString)").path
        let path = db ?? scratch + "/bench.sqlite"
        let store = try reportingErrors {
            if db == nil { try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true) }
            return try ResultsDatabase(path: path)
        }
        defer { if db == nil { try? FileManager.default.removeItem(atPath: scratch) } }
        let bench = APILoadBenchmark(statusRequests: statusRequests, submissions: submissions, concurrency: concurrency)
        let result = try await bench.run(database: store, manifestsDirectory: manifests)
        if json {
            try printJSON(result)
        } else {
            print(TableFormatter.table(
                columns: ["phase", "requests", "errors", "seconds", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"],
                rows: result.phases.map {
                    [$0.name, String($0.requests), String($0.errors), String(format: "%.2f", $0.seconds), String(format: "%.0f", $0.requestsPerSecond),
                     String(format: "%.2f", $0.p50Ms), String(format: "%.2f", $0.p95Ms), String(format: "%.2f", $0.p99Ms), String(format: "%.2f", $0.maxMs)]
                }))
            print("concurrency \(concurrency), loopback, bearer-token authentication on every request")
            for phase in result.phases { for failure in phase.failures { print("failed: \(failure)") } }
        }
        if result.errors > 0 { throw ExitCode(1) }
    }
}
