import Foundation
import Logging
import Pipeline
import ResultsStore

/// `privfed serve --workers N`: N threads that take queued jobs from the database, exactly as
/// `privfed worker` processes do (the same lease, so both kinds can share one database).
///
/// Training is long, blocking, CPU-bound work, so it runs on dedicated threads, never on the
/// Swift concurrency executors that answer HTTP requests: a running job cannot stall the API.
public final class JobWorkers: @unchecked Sendable {
    private let database: ResultsDatabase
    private let count: Int
    private let pollInterval: TimeInterval
    private let logger: Logger
    private let requestDatasets: RequestDatasets?
    private let stopRequest: StopRequest?
    private let agents: JobService.AgentJoining?
    private let lock = NSCondition()
    private var stopping = false
    private var running = 0

    /// - Parameters:
    ///   - count: worker threads (0: queue only, for external `privfed worker` processes).
    ///   - pollInterval: seconds between looks at an empty queue.
    ///   - requestDatasets: where a request body's dataset is read from (`JobService.requestDatasets`).
    ///   - stopRequest: set by SIGINT/SIGTERM (`privfed serve`): a running job stops at its next stage
    ///     boundary, recorded `interrupted` with its lease released, as under `privfed run`, and no
    ///     thread takes another.
    ///   - agents: how `deployment: agents` jobs reach their agents (serve's agent link); nil:
    ///     such jobs are left for a worker that has one.
    public init(database: ResultsDatabase, count: Int, pollInterval: TimeInterval = 1, requestDatasets: RequestDatasets? = nil,
                stopRequest: StopRequest? = nil, agents: JobService.AgentJoining? = nil, logger: Logger) {
        self.database = database; self.count = count; self.pollInterval = pollInterval; self.logger = logger
        self.requestDatasets = requestDatasets; self.stopRequest = stopRequest; self.agents = agents
    }

    public func start() {
        for i in 0..<count {
            let name = "\(JobRunner.defaultWorkerName())/serve-\(i + 1)"
            lock.lock(); running += 1; lock.unlock()
            let thread = Thread { [self] in loop(worker: name) }
            thread.name = "privfed-worker-\(i + 1)"
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    /// Stops taking jobs; with `wait`, returns once every thread has finished the job it is running
    /// (at its next stage boundary when `stopRequest` holds a signal). Without it (a server that
    /// failed), a job still running keeps its lease, which expires, and then any worker on the
    /// database takes the job over.
    public func stop(wait: Bool = true) {
        lock.lock()
        stopping = true
        lock.broadcast()
        while wait && running > 0 { lock.wait() }
        lock.unlock()
    }

    private func loop(worker: String) {
        var service = JobService(database: database)
        service.requestDatasets = requestDatasets
        service.stopRequest = stopRequest
        service.agents = agents
        while !isStopping {
            do {
                if let summary = try service.workOnce(worker: worker) {
                    logger.info("job \(summary.jobId) \(summary.name): \(summary.status)", metadata: ["worker": "\(worker)"])
                    continue
                }
            } catch {
                logger.error("worker \(worker): \(error)")
            }
            lock.lock()
            if !stopping { _ = lock.wait(until: Date().addingTimeInterval(pollInterval)) }
            lock.unlock()
        }
        lock.lock(); running -= 1; lock.broadcast(); lock.unlock()
    }

    private var isStopping: Bool {
        lock.lock(); defer { lock.unlock() }
        return stopping || stopRequest?.signal != nil
    }
}
