import Foundation
import ResultsStore

/// The parties' own records of a job, kept apart from the aggregator's results database: what a
/// client measured on its private data (its training loss, its update's norm, its realised batch
/// sizes), and the simulator's diagnostics against plaintext. In a deployment each client keeps
/// its file on its own machine; here each party has one JSON-lines file under
/// `DIR/job-ID/PARTY.jsonl` (directories mode 0700, files 0600).
///
/// The aggregator never reads these files, and `privfed show`, `query`, reports and the HTTP API
/// serve only the results database.
public final class LocalRecords: @unchecked Sendable {
    public let directory: String
    private let lock = NSLock()

    public init(directory: String) { self.directory = directory }

    /// `$PRIVFED_LOCAL_RECORDS`, else `privfed-local/` beside the results database.
    public static func defaultDirectory(databasePath: String) -> String {
        if let dir = ProcessInfo.processInfo.environment["PRIVFED_LOCAL_RECORDS"], !dir.isEmpty { return dir }
        return URL(fileURLWithPath: databasePath).standardizedFileURL.deletingLastPathComponent()
            .appendingPathComponent("privfed-local").path
    }

    /// The file of `owner` (a party name or `simulator`) in job `jobId`.
    public func file(jobId: Int64, owner: String) -> String {
        (directory as NSString).appendingPathComponent("job-\(jobId)/\(owner.replacingOccurrences(of: "/", with: "-")).jsonl")
    }

    /// Appends `records` to their owners' files, one JSON object per line.
    public func append(_ records: [(owner: String, metric: MetricRecord)], jobId: Int64) throws {
        guard !records.isEmpty else { return }
        lock.lock(); defer { lock.unlock() }
        let fm = FileManager.default
        let jobDirectory = (directory as NSString).appendingPathComponent("job-\(jobId)")
        try fm.createDirectory(atPath: jobDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for (owner, group) in Dictionary(grouping: records, by: \.owner) {
            var text = Data()
            for r in group {
                text.append(try encoder.encode(r.metric))
                text.append(0x0A)
            }
            let path = file(jobId: jobId, owner: owner)
            if !fm.fileExists(atPath: path) { fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) }
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw PipelineError.stage("local_records", "cannot write \(path)")
            }
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: text)
        }
    }

    /// Every record `owner` kept for job `jobId`, in the order written.
    public func records(jobId: Int64, owner: String) throws -> [MetricRecord] {
        guard let data = FileManager.default.contents(atPath: file(jobId: jobId, owner: owner)) else { return [] }
        let decoder = JSONDecoder()
        return try data.split(separator: 0x0A).map { try decoder.decode(MetricRecord.self, from: Data($0)) }
    }
}
