import AgentLink
import ArgumentParser
import Foundation
import Pipeline
import Provisioning
import ResultsStore
import Synchronization

struct OrchestratorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrator",
        abstract: "Accept agents (mutual TLS only) and run a job's rounds on them.",
        discussion: """
        The orchestrator's end of the agent link (issue 14): a gRPC server on --agent-port that \
        speaks only mutual TLS with the orchestrator's kit. A peer must present a certificate \
        signed by the kit's CA; plain TCP and other federations' certificates never reach gRPC. \
        The agent's name and role are read from its verified certificate, and a hello that claims \
        another name is refused.

        One line is printed per change (joined, rejoined, lost, disconnected, refused); an agent \
        that misses 3 heartbeat intervals is lost. Ctrl-C or SIGTERM stops it.

          privfed orchestrator --identity kits/orchestrator --agent-port 8002

        With --run MANIFEST (federation.deployment: agents) it waits up to join_timeout for \
        the manifest's dataset.clients agents, offers them the job (client k is the k-th agent by \
        name; each reads the manifest itself and may decline), runs every round with the training \
        on the agents' machines, records the job in --db, prints its summary and ends. An agent \
        that misses round_timeout or leaves is a dropout; fewer than min_clients answers fail the \
        round, naming who was missing. Plain FedAvg and example-level DP-SGD run this way today.

          privfed orchestrator --identity kits/orchestrator --agent-port 8002 \\
            --run manifests/agents-quickstart.yaml --db results.sqlite

        If the orchestrator stops mid-job (killed, or its machine restarted), --resume JOB \
        continues the job from its last completed round once the agents have redialled; \
        --force takes the job over before the dead orchestrator's lease runs out. Each agent \
        must come back with the root it committed to at the start.

        `privfed serve --agent-port PORT --identity DIR` runs the same link beside the HTTP API.
        """
    )

    @Option(help: ArgumentHelp("The orchestrator's startup kit (privfed provision).", valueName: "dir")) var identity: String
    @Option(help: "The address to accept agents on.") var host = "0.0.0.0"
    @Option(help: "The port to accept agents on (0: any free port).") var agentPort = 8002
    @Flag(help: "Print one JSON line per change instead of text.") var json = false
    @Option(help: ArgumentHelp("Run this job (deployment: agents) on the agents, then end.", valueName: "manifest"))
    var run: String?
    @Option(help: ArgumentHelp("Continue this deployment: agents job from its checkpoint.", valueName: "job"))
    var resume: Int64?
    @Flag(help: "With --resume: take the job over even though its lease is live.") var force = false
    @OptionGroup var database: DatabaseOption

    func validate() throws {
        guard (0...65535).contains(agentPort) else { throw ValidationError("--agent-port must be in 0...65535, got \(agentPort)") }
        if run != nil, resume != nil { throw ValidationError("give --run MANIFEST or --resume JOB, not both") }
        if force, resume == nil { throw ValidationError("--force applies to --resume only") }
    }

    func run() async throws {
        let server = try reportingErrors {
            try AgentLinkServer(kit: try LoadedKit.load(from: URL(fileURLWithPath: identity)), host: host, port: agentPort)
        }
        // The job's manifest and database are checked before the port opens.
        let job = try reportingErrors { () -> (AgentJobRun, ResultsDatabase)? in
            if let path = run {
                let (manifest, text) = try ManifestReader(datasets: DatasetPolicy(verifiesFiles: true)).read(path: path)
                guard manifest.federation.deployment == .agents else { throw AgentJobRunError.notForAgents(path) }
                return (AgentJobRun(server: server, manifest: manifest, text: text, path: path), try database.open())
            }
            guard let resume else { return nil }
            let store = try database.open(create: false)
            let record = try store.job(id: resume)
            let manifest = try JobService(database: store).recordedManifest(record)
            guard manifest.federation.deployment == .agents else { throw AgentJobRunError.notForAgents("job \(resume)") }
            return (AgentJobRun(server: server, manifest: manifest, text: record.manifestText, path: record.manifestPath), store)
        }
        let lines = LinkEventLines(json: json)
        let trap = SignalTrap(.link)
        let stop = trap.stop
        let finished = StopFlag()
        // With a job, a signal stops the job (at once, even mid-round) and the link only after it:
        // the agents' streams stay open until the job's records are written.
        let link = Task { try await server.run(stop: { finished.isSet }) { lines.orchestrator($0) } }
        guard let (prepared, store) = job else {
            // The link alone: a signal ends the process, like the end of a job below, rather than
            // draining the server while agents redial into it (which the gRPC transport does not
            // survive); the agents see the connection close and redial, as for any restart.
            Task {
                while stop.signal == nil { try? await Task.sleep(for: .milliseconds(50)) }
                fflush(nil)
                Foundation.exit(0)
            }
            do { try await link.value } catch { try reportingErrors { () throws -> Void in throw error } }
            return
        }
        var stoppable = prepared
        stoppable.stop = stop
        let jobRun = stoppable
        let json = self.json, jobToResume = self.resume, force = self.force
        let outcome = await onOwnThread {
            var service = JobService(database: store)
            service.stopRequest = stop
            let progress: any JobProgress = json ? JobEventLines(lines: LinkEventLines(json: true))
                : ProgressBar(enabled: isatty(STDERR_FILENO) == 1)
            return Result { () throws -> JobSummary in
                if let jobId = jobToResume { return try jobRun.resume(jobId: jobId, force: force, service: service, progress: progress) }
                return try jobRun.run(service: service, progress: progress)
            }
        }
        // The outcome is reported before the link closes, so it is out whatever the shutdown does.
        let reported = Result { () throws -> Void in
            try reportingErrors {
                let summary = try outcome.get()
                if summary.status == JobStatus.interrupted.rawValue {
                    let line = "interrupted after round \(summary.roundsCompleted); privfed orchestrator --identity … --resume \(summary.jobId) continues"
                    lines.write(["event": "interrupted", "job": summary], text: line)
                    throw ExitCode(130)
                }
                if json { lines.write(["event": "finished", "job": summary], text: "") } else { for line in JobSummaryText.lines(summary) { print(line) } }
            }
        }
        // The job is recorded and reported: the process ends here. (Draining the link would race
        // agents redialling into a server that is shutting down, which the gRPC transport does
        // not survive; the agents see the connection close and redial, as for any restart.)
        fflush(nil)
        finished.set()
        switch reported {
        case .success: Foundation.exit(0)
        case .failure(let code as ExitCode): Foundation.exit(code.rawValue)
        case .failure: Foundation.exit(1)
        }
    }
}

/// Set once when the orchestrator's job has ended, so its link closes.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
}

/// Runs `body` on a thread of its own (the job runner blocks; the concurrency pool must not).
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.stackSize = 16 << 20
        thread.start()
    }
}
