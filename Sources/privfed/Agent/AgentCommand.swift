import AgentLink
import ArgumentParser
import Foundation
import Pipeline
import Provisioning

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Join an orchestrator over mutual TLS and train its jobs on local data.",
        discussion: """
        A data holder's long-running client (issue 14). It checks its data folder against the \
        folder's own SHA256SUMS (MNIST IDX files, as `privfed partition export` writes them), then \
        dials the orchestrator outward only, over gRPC with mutual TLS: it presents its kit's \
        certificate and trusts only its kit's ca.pem, whose SHA-256 config.json pins. The \
        orchestrator learns its name and role from the certificate, and of its data only the \
        SHA-256 of SHA256SUMS and the number of examples.

        It sends a heartbeat every --heartbeat seconds and, when the orchestrator goes away, dials \
        again with capped exponential backoff, so a restarted orchestrator gets its agents back. \
        One line is printed per change of state (connected, lost connection, rejoined); Ctrl-C or \
        SIGTERM stops it.

          privfed agent --identity kits/agent-0 --data shards/client-0

        Offered a job, the agent reads the manifest itself, makes the job's secret root from \
        the OS's CSPRNG and keeps it in --state (mode 0600; only a commitment is sent), and \
        trains each round on its own data. Under example-level DP it adds the noise itself and \
        writes every release to its own ledger (--state/ledger.jsonl) before the update leaves; it \
        refuses a release past the job's declared epsilon or past --budget-epsilon at \
        --budget-delta over all its jobs, whatever the orchestrator asks. With --budget-epsilon it \
        refuses jobs without example-level DP. Plain FedAvg and DP-SGD jobs run this way today.

          privfed agent --identity kits/agent-0 --data shards/client-0 \\
            --budget-epsilon 3
        """
    )

    @Option(help: ArgumentHelp("The agent's startup kit (privfed provision).", valueName: "dir")) var identity: String
    @Option(help: ArgumentHelp("The agent's data: IDX files and their SHA256SUMS.", valueName: "dir")) var data: String
    @OptionGroup var link: LinkDialOptions
    @Option(help: ArgumentHelp("Where the agent keeps its job roots and ledger (default: <identity>/state).", valueName: "dir"))
    var state: String?
    @Option(help: ArgumentHelp("The most epsilon this agent releases over all its jobs.", valueName: "epsilon"))
    var budgetEpsilon: Double?
    @Option(help: ArgumentHelp("The delta --budget-epsilon is reckoned at.", valueName: "delta")) var budgetDelta = 1e-5

    func validate() throws {
        if let budgetEpsilon, !(budgetEpsilon > 0 && budgetEpsilon.isFinite) {
            throw ValidationError("--budget-epsilon must be a positive number, got \(budgetEpsilon)")
        }
        guard budgetDelta > 0, budgetDelta < 1 else { throw ValidationError("--budget-delta must be in (0, 1), got \(budgetDelta)") }
    }

    func run() async throws {
        let (kit, folder) = try reportingErrors { (try LoadedKit.load(from: URL(fileURLWithPath: identity)), try AgentDataFolder.load(data)) }
        let name = kit.participant.name, lines = link.lines
        let device = try reportingErrors {
            try AgentDevice(name: name, data: folder.images, stateDirectory: state ?? (identity as NSString).appendingPathComponent("state"),
                            budget: budgetEpsilon.map { AgentBudget(epsilon: $0, delta: budgetDelta) },
                            sign: { try ParticipantSignature.sign($0, with: kit) }, caPEM: kit.caPEM,
                            fault: try FaultInjection.from(environment: ProcessInfo.processInfo.environment)) { lines.agentWork($0, name: name) }
        }
        try await link.serve(kit: kit, data: folder.summary, answer: device.answer)
    }
}
