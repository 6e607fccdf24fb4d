import Foundation
import TestSupport

/// A `privfed` process whose standard output is read line by line as it runs, so a test can wait
/// for "agent-0 joined" instead of sleeping a fixed time.
final class LinkProcess: @unchecked Sendable {
    let process: Process
    private let lock = NSLock()
    private var output = ""
    private var errors = ""

    /// `privfed ARGUMENTS`, or with `wrapper` (e.g. `["/usr/sbin/ip", "netns", "exec", "ns"]`)
    /// `WRAPPER… privfed ARGUMENTS`; `environment` is added to this process's.
    init(_ arguments: [String], wrapper: [String] = [], environment: [String: String] = [:]) throws {
        process = Process()
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let privfed = try PrivfedProcess.locate()
        if let tool = wrapper.first {
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = Array(wrapper.dropFirst()) + [privfed.path] + arguments
        } else {
            process.executableURL = privfed
            process.arguments = arguments
        }
        process.currentDirectoryURL = repositoryRoot
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.output += String(decoding: data, as: UTF8.self) }
        }
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.errors += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    var lines: [String] { lock.withLock { output.split(separator: "\n").map(String.init) } }
    var stderr: String { lock.withLock { errors } }

    /// The first JSON line whose fields match `fields`, waiting up to `timeout` seconds.
    @discardableResult
    func waitForEvent(_ fields: [String: String], timeout: Double) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if let event = events.first(where: { event in fields.allSatisfy { event[$0.key] as? String == $0.value } }) { return event }
            Thread.sleep(forTimeInterval: 0.02)
        } while Date() < deadline
        return nil
    }

    var events: [[String: Any]] {
        lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func count(_ fields: [String: String]) -> Int {
        events.filter { event in fields.allSatisfy { event[$0.key] as? String == $0.value } }.count
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Kills the process (if still running) and waits for it.
    func end() {
        if process.isRunning { signal(SIGKILL) }
        process.waitUntilExit()
    }

    deinit { end() }
}
