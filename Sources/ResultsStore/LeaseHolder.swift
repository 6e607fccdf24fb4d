import Foundation

/// The holder of a job's lease, `host:pid` (`JobRunner.defaultWorkerName`, and the API's workers
/// `host:pid/N`). A holder on this host whose process no longer exists is certainly gone — its
/// lease need not be waited out: `resume` and workers take the job over at once.
public struct LeaseHolder: Sendable, Equatable {
    public let host: String
    public let pid: Int32?

    /// Parses `host:pid` or `host:pid/suffix`; a name of another shape has no pid.
    public init(_ name: String?) {
        let name = name ?? ""
        guard let colon = name.lastIndex(of: ":") else { host = name; pid = nil; return }
        host = String(name[..<colon])
        pid = Int32(name[name.index(after: colon)...].prefix { $0.isNumber })
    }

    /// The holder runs on this host, and no process has its pid (`kill(pid, 0)` fails with ESRCH).
    public var isDeadOnThisHost: Bool {
        guard let pid, pid > 0, host == ProcessInfo.processInfo.hostName else { return false }
        return kill(pid, 0) == -1 && errno == ESRCH
    }
}
