import Foundation
import Pipeline

/// The real `privfed` executable, run as a child process on a scratch database — so a crash is a
/// real SIGKILL of a real process, with SQLite's own recovery on the next open.
public struct PrivfedProcess {
    public struct Outcome {
        public var status: Int32
        /// The process died of a signal (`status` is then the signal number).
        public var signaled: Bool
        public var stdout: String
        public var stderr: String
        public var killed: Bool { signaled && status == SIGKILL }
    }

    public let executable: URL
    public let database: String

    /// `privfed` is built by `swift test` into the same products directory as the test bundle.
    public static func locate() throws -> URL {
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

    public init(database: String) throws {
        self.executable = try Self.locate()
        self.database = database
    }

    /// Runs `privfed ARGS --db DATABASE` to its end; `fault` sets `PRIVFED_FAULT_INJECT`, and
    /// `environment` sets further variables (e.g. `COLUMNS` for the help width); `usesDatabase: false`
    /// leaves `--db` off, for commands that touch no database (`validate`).
    @discardableResult
    public func run(_ arguments: [String], fault: String? = nil, environment extra: [String: String] = [:],
                    usesDatabase: Bool = true, in directory: URL = repositoryRoot) throws -> Outcome {
        try wait(start(arguments, fault: fault, environment: extra, usesDatabase: usesDatabase, in: directory))
    }

    /// Starts `privfed ARGS --db DATABASE` in `directory` (the repository root unless given);
    /// `wait` collects it.
    public func start(_ arguments: [String], fault: String? = nil, environment extra: [String: String] = [:],
                      usesDatabase: Bool = true, in directory: URL = repositoryRoot) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments + (usesDatabase ? ["--db", database] : [])
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment[FaultInjection.environmentVariable] = fault
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    public func wait(_ started: (Process, Pipe, Pipe)) -> Outcome {
        let (process, out, err) = started
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                       stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// `PrivfedProcess` found no executable: the tests that spawn `privfed` need `swift test` to build it.
public struct PrivfedNotBuilt: Error, CustomStringConvertible {
    public var searched: [String]
    public var description: String { "no privfed executable next to the test bundle (looked in \(searched)); swift test builds it" }
}
