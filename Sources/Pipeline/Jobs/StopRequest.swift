import Foundation

/// A request to stop a running job at its next stage boundary, made by a signal (SIGINT, SIGTERM)
/// and read by `JobRunner` between stages: no stage is cut in half, the rounds already committed
/// stay, and the job is recorded `interrupted` so it can be resumed at once.
///
/// A class, because the signal handler and the runner share one: it is the only channel between
/// them, passed in (not global), and thread-safe.
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    /// Where a signal handler left the signal it caught, read when the runner asks.
    private let poll: (@Sendable () -> Int32?)?

    public init(polling poll: (@Sendable () -> Int32?)? = nil) { self.poll = poll }

    /// Asks the job to stop; the first signal is the one recorded.
    public func request(signal: Int32) {
        lock.lock(); defer { lock.unlock() }
        if received == nil { received = signal }
    }

    /// The signal that asked the job to stop, or nil.
    public var signal: Int32? {
        lock.lock(); defer { lock.unlock() }
        if received == nil, let caught = poll?() { received = caught }
        return received
    }

    /// `SIGINT`, `SIGTERM` or `signal N`, for messages.
    public static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(signal)"
        }
    }
}
