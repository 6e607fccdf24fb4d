import Foundation
import GRDB

/// How privfed waits for a lock another process holds on the results database: SQLite's busy
/// handler retries with exponential backoff — 5 ms, doubling, at most 1 s between tries — until
/// `limit` seconds have been waited in all, then gives up with SQLITE_BUSY. A job whose database
/// stays locked longer is ended as failed with this limit in its message (`JobRunner`), instead
/// of dying mid-write and being left `running`.
public struct LockRetry: Sendable, Equatable, CustomStringConvertible {
    /// The stated limit: 30 seconds of waiting for one write.
    public static let defaultLimitSeconds = 30.0

    /// Seconds a write waits for a lock before it fails.
    public let limitSeconds: Double

    public init(limitSeconds: Double = LockRetry.defaultLimitSeconds) { self.limitSeconds = limitSeconds }

    /// The pause before try `n + 1` (n ≥ 0).
    static func delay(afterTries n: Int) -> Double { min(0.005 * pow(2, Double(min(n, 16))), 1) }

    /// The pauses of the first `n` tries, in seconds.
    static func waited(tries n: Int) -> Double { (0..<max(0, n)).reduce(0) { $0 + delay(afterTries: $1) } }

    /// The busy handler: sleep and retry while the total wait stays within the limit.
    var busyMode: Database.BusyMode {
        let limit = limitSeconds
        return .callback { tries in
            // The last pause is cut short so that the waits add up to the limit exactly.
            let pause = min(LockRetry.delay(afterTries: tries), limit - LockRetry.waited(tries: tries))
            guard pause > 1e-4 else { return false }
            Thread.sleep(forTimeInterval: pause)
            return true
        }
    }

    /// The limit in words, for messages.
    public var description: String { limitSeconds == limitSeconds.rounded() ? "\(Int(limitSeconds)) s" : "\(limitSeconds) s" }
}

extension LockRetry {
    /// Whether `error` is a write that gave up waiting for another process's lock.
    public static func gaveUp(_ error: any Error) -> Bool {
        if case ResultsStoreError.databaseLocked = error { return true }
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
    }
}
