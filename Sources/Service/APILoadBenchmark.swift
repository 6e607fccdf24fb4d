import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Pipeline
import ResultsStore

/// `privfed bench serve`: the API under concurrent load on loopback, bounded in count.
///
/// Phase 1 posts `submissions` jobs the way the seed does (`POST /api/training/start` with
/// `{"privacy": KIND}`, the four kinds in turn); phase 2 fires `statusRequests` `GET /api/jobs/{id}`
/// over the submitted ids. At most `concurrency` requests are in flight at once, each client a task on
/// one shared URLSession (keep-alive connections over real sockets). Latencies are wall time from
/// sending a request to holding its whole body; percentiles are nearest-rank.
public struct APILoadBenchmark: Sendable {
    public var statusRequests: Int
    public var submissions: Int
    public var concurrency: Int

    public init(statusRequests: Int = 1000, submissions: Int = 50, concurrency: Int = 16) {
        self.statusRequests = statusRequests; self.submissions = submissions; self.concurrency = concurrency
    }

    /// One phase's figures.
    public struct Phase: Codable, Sendable {
        public var name: String
        public var requests: Int
        public var errors: Int
        public var seconds: Double
        public var requestsPerSecond: Double
        public var p50Ms: Double
        public var p95Ms: Double
        public var p99Ms: Double
        public var maxMs: Double
        /// The first few failures, for the report (status and path; never a header).
        public var failures: [String]
    }

    public struct Result: Codable, Sendable {
        public var concurrency: Int
        public var phases: [Phase]
        public var errors: Int { phases.reduce(0) { $0 + $1.errors } }
    }

    /// Starts `privfed serve`'s application on 127.0.0.1 with a fresh token and no workers (the jobs
    /// stay queued: this measures the API, not training), runs both phases, and stops the server.
    public func run(database: ResultsDatabase, manifestsDirectory: String) async throws -> Result {
        let token = (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: .min ... .max)) }.joined()
        let configuration = APIConfiguration(host: "127.0.0.1", port: 0, manifestsDirectory: manifestsDirectory,
                                             datasetsRoot: (manifestsDirectory as NSString).appendingPathComponent("../datasets"),
                                             tokens: try BearerTokens([token]), workers: 0)
        var logger = Logger(label: "privfed.bench.serve")
        logger.logLevel = .critical // request failures are counted; a cancelled server logs its own shutdown as an error
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = APIServer.application(configuration: configuration, database: database, logger: logger) { port in
            continuation.yield(port)
        }
        let server = Task { try await app.run() }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw APIError.internalError(CancellationError()) }
        return try await load(baseURL: URL(string: "http://127.0.0.1:\(port)")!, token: token)
    }

    /// Both phases against a running server.
    public func load(baseURL: URL, token: String) async throws -> Result {
        let session = URLSession(configuration: {
            let c = URLSessionConfiguration.ephemeral
            c.httpMaximumConnectionsPerHost = concurrency
            c.timeoutIntervalForRequest = 60
            return c
        }())
        defer { session.finishTasksAndInvalidate() }
        let kinds = TrainingPresets.kinds
        let submit = try await phase("submit (POST /api/training/start)", count: submissions, session: session) { i in
            var request = URLRequest(url: baseURL.appendingPathComponent("api/training/start"))
            request.httpMethod = "POST"
            request.httpBody = Data(#"{"privacy": "\#(kinds[i % kinds.count])"}"#.utf8)
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            return (request, 202)
        }
        let ids = submit.ids.isEmpty ? [1] : submit.ids
        let status = try await phase("status (GET /api/jobs/{id})", count: statusRequests, session: session) { i in
            var request = URLRequest(url: baseURL.appendingPathComponent("api/jobs/\(ids[i % ids.count])"))
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            return (request, 200)
        }
        return Result(concurrency: concurrency, phases: [submit.phase, status.phase])
    }

    private func phase(_ name: String, count: Int, session: URLSession,
                       request: @escaping @Sendable (Int) -> (URLRequest, Int)) async throws -> (phase: Phase, ids: [Int64]) {
        struct Outcome: Sendable { var ms: Double; var failure: String?; var id: Int64? }
        let started = ContinuousClock.now
        var outcomes: [Outcome] = []
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            var next = 0
            func launch() {
                let i = next
                next += 1
                group.addTask {
                    let (req, expected) = request(i)
                    let t0 = ContinuousClock.now
                    do {
                        let (data, response) = try await session.data(for: req)
                        let ms = t0.duration(to: .now).milliseconds
                        let code = (response as? HTTPURLResponse)?.statusCode ?? 0
                        guard code == expected else {
                            return Outcome(ms: ms, failure: "\(code) \(req.httpMethod ?? "GET") \(req.url?.path ?? "")")
                        }
                        let id = (try? JSONDecoder().decode(SubmittedJob.self, from: data))?.job
                        return Outcome(ms: ms, failure: nil, id: id)
                    } catch {
                        return Outcome(ms: t0.duration(to: .now).milliseconds, failure: "\(req.url?.path ?? ""): \(error.localizedDescription)")
                    }
                }
            }
            while next < min(concurrency, count) { launch() }
            while let outcome = try await group.next() {
                outcomes.append(outcome)
                if next < count { launch() }
            }
        }
        let seconds = started.duration(to: .now).milliseconds / 1000
        let sorted = outcomes.map(\.ms).sorted()
        func percentile(_ p: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))]
        }
        let failures = outcomes.compactMap(\.failure)
        let phase = Phase(name: name, requests: outcomes.count, errors: failures.count, seconds: seconds,
                          requestsPerSecond: seconds > 0 ? Double(outcomes.count) / seconds : 0,
                          p50Ms: percentile(50), p95Ms: percentile(95), p99Ms: percentile(99), maxMs: sorted.last ?? 0,
                          failures: Array(failures.prefix(5)))
        return (phase, outcomes.compactMap(\.id))
    }
}
