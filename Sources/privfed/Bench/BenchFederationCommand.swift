import ArgumentParser
import Foundation

struct BenchFederationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federation",
        abstract: "One job simulated in process and run over N agent processes on loopback.",
        discussion: """
        Runs --manifest twice with --agents clients, each of them taking part in every round: \
        first simulated in this process, then as a deployment: agents job, with `privfed \
        orchestrator --run` and one `privfed agent` process per client (and one `privfed \
        share-holder` per share-holder of additive sharing) on 127.0.0.1, over gRPC \
        with mutual TLS, with kits from `privfed provision` and shards from `privfed partition \
        export`, all in a scratch folder removed afterwards. Reports the median round time of \
        each, the overhead of the network, and the frames per agent per round each way.

          privfed bench federation --agents 10 --manifest manifests/quickstart.yaml
        """
    )

    @Option(help: "Agent processes (the job's clients).") var agents = 10
    @Option(help: ArgumentHelp("The job (a simulated manifest).", valueName: "path")) var manifest = "manifests/quickstart.yaml"
    @Flag(help: "Print JSON for scripts.") var json = false

    func validate() throws {
        guard (1...64).contains(agents) else { throw ValidationError("--agents must be in 1...64, got \(agents)") }
    }

    func run() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("privfed-bench-federation-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let result = try reportingErrors { () -> FederationBench.Result in
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            return try FederationBench(agents: agents, manifestPath: manifest, scratch: scratch).run()
        }
        if json { try printJSON(result); return }
        print(TableFormatter.table(columns: ["run", "round (median s)", "accuracy"], rows: [
            ["simulated, one process", String(format: "%.3f", result.simulatedRoundSeconds), result.simulatedAccuracy.map { String(format: "%.4f", $0) } ?? "—"],
            ["\(agents) agents on loopback", String(format: "%.3f", result.agentsRoundSeconds), result.agentsAccuracy.map { String(format: "%.4f", $0) } ?? "—"],
        ]))
        print(String(format: "network overhead per round: %+.1f%% of the simulated round", 100 * result.overhead))
        print(String(format: "per agent per round: %.0f bytes to it (the model), %.0f bytes from it (its update)",
                     result.bytesToAgentPerRound, result.bytesFromAgentPerRound))
    }
}
