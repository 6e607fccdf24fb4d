import Foundation
import Hummingbird
import Logging
import Pipeline
import ServiceLifecycle

extension APIServer {
    /// Runs `app` until `stop` holds a signal, then shuts it down gracefully: it stops accepting
    /// connections and answers the requests already in flight (for at most `gracePeriod`), and
    /// this returns the signal. Returns nil if the server ended by itself; throws what it threw
    /// (a port in use).
    ///
    /// `stop` is what the command line's `SignalTrap` fills, polled every `pollInterval`: ServiceLifecycle's
    /// own signal handling (`runService()`'s default) is a `DispatchSource`, whose libdispatch
    /// worker threads corrupted the heap before (see `SignalTrap`), and two handlers of one signal
    /// would race. So the group is given no signals and its graceful shutdown is triggered by hand.
    public static func run(_ app: App, until stop: StopRequest, pollInterval: Duration = .milliseconds(100),
                           gracePeriod: Duration = .seconds(10), logger: Logger) async throws -> Int32? {
        var configuration = ServiceGroupConfiguration(services: [app], logger: logger)  // no signals
        configuration.maximumGracefulShutdownDuration = gracePeriod
        let group = ServiceGroup(configuration: configuration)
        return try await withThrowingTaskGroup(of: Int32?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            tasks.addTask {
                while !Task.isCancelled {
                    if let signal = stop.signal {
                        await group.triggerGracefulShutdown()
                        return signal
                    }
                    try? await Task.sleep(for: pollInterval)
                }
                return nil
            }
            var caught: Int32?
            for try await result in tasks {
                if let result { caught = result } else { tasks.cancelAll() }  // the server has ended: stop watching
            }
            return caught
        }
    }
}
