import AgentLink
import Foundation
import Pipeline

/// How `privfed serve` runs: where it listens, who may call it, how much it accepts, how many
/// jobs it runs itself.
public struct APIConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The folder of the shipped manifests that `POST /api/training/start` names by privacy kind;
    /// a relative `dataset.path` in a request body is read from here too.
    public var manifestsDirectory: String
    /// The only folder a submitted manifest may name datasets in (`--datasets-root`): a manifest
    /// is a request from a caller, and must not make the server read files it did not publish.
    public var datasetsRoot: String
    /// The accepted bearer tokens; nil only with `--insecure-no-auth` on a loopback address.
    public var tokens: BearerTokens?
    /// Requests with a larger body are refused with 413.
    public var maxBodyBytes: Int
    /// In-process worker threads (0: queue only).
    public var workers: Int
    /// Seconds between a worker's looks at an empty queue.
    public var pollInterval: Double
    /// The agents on the agent link (`--agent-port`), for `GET /api/agents`; nil without one.
    public var agents: AgentRegistry?
    /// How `deployment: agents` jobs reach the agents on that link; nil: such jobs are refused
    /// at submission and left in the queue by this server's workers.
    public var agentJobs: JobService.AgentJoining?

    public static let defaultMaxBodyBytes = 1 << 20

    /// Where a request body's dataset is read from (`JobService.requestDatasets`).
    public var requestDatasets: RequestDatasets { RequestDatasets(manifestsDirectory: manifestsDirectory, root: datasetsRoot) }

    public init(host: String = "127.0.0.1", port: Int = 8001, manifestsDirectory: String = "manifests",
                datasetsRoot: String = "datasets", tokens: BearerTokens?,
                maxBodyBytes: Int = defaultMaxBodyBytes, workers: Int = 1, pollInterval: Double = 1) {
        self.host = host; self.port = port; self.tokens = tokens
        self.manifestsDirectory = URL(fileURLWithPath: manifestsDirectory).standardizedFileURL.path
        self.datasetsRoot = URL(fileURLWithPath: datasetsRoot).standardizedFileURL.path
        self.maxBodyBytes = maxBodyBytes; self.workers = workers; self.pollInterval = pollInterval
    }

    /// Whether `host` is a loopback address (127.0.0.0/8, ::1 or localhost): the only place a
    /// server may run without tokens, since no other machine can reach it.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return false }
        return parts[0] == "127"
    }
}
