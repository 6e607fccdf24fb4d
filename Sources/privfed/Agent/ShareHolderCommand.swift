import AgentLink
import ArgumentParser
import Foundation
import Pipeline
import Provisioning
import ResultsStore

struct ShareHolderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share-holder",
        abstract: "Join an orchestrator as a share-holder of additive sharing or DP + HE + MPC.",
        discussion: """
        One of the M non-colluding share-holders of a `secure_aggregation: additive` job with \
        `deployment: agents` (issue 14), on a machine of its own. Like `privfed agent` it dials \
        the orchestrator outward only, over gRPC with mutual TLS, with a kit that `privfed \
        provision --share-holders M` made (share-holder-H holds the shares of holder H), and \
        redials when the orchestrator goes away. It has no data (its hello reports 0 examples).

          privfed share-holder --identity kits/share-holder-0

        Offered a job, it makes the job's secret root from the OS's CSPRNG (kept in --state, \
        mode 0600; only a commitment is sent) and from it an X25519 key, whose public half it \
        signs for the agents. Each agent seals one share of its update for each holder; the \
        orchestrator relays them and can open none. Each round the holder sums the shares sealed \
        for it and sends only that sum. It refuses a sum over fewer clients than the manifest's \
        rounds need (min_clients), a share not signed by an agent its CA certified, two shares \
        signed by one agent, and a second, different set of shares for a round it already \
        summed (recorded in --state/partial-sums.jsonl): any of those would let the orchestrator \
        open one client's update from the holders' sums.

        With homomorphic_encryption as well (DP + HE + MPC) it holds a share of each key \
        epoch's decryption key instead: every agent re-shares its key share, one fragment \
        sealed for each holder; the holder takes an epoch only with every key holder's \
        fragment, keeps its share in memory (a restarted holder fails the rounds it cannot \
        decrypt, by name), and makes each round's decryption shares once.
        """
    )

    @Option(help: ArgumentHelp("The share-holder's startup kit (privfed provision).", valueName: "dir")) var identity: String
    @OptionGroup var link: LinkDialOptions
    @Option(help: ArgumentHelp("Where it keeps its job roots and sums (default: <identity>/state).", valueName: "dir"))
    var state: String?

    func run() async throws {
        let kit = try reportingErrors { try LoadedKit.load(from: URL(fileURLWithPath: identity)) }
        guard kit.participant.role == .shareHolder else {
            throw ValidationError("\(identity) is \(kit.participant.name)'s kit, a \(kit.participant.role.rawValue); "
                                  + "`privfed share-holder` needs a share-holder's (privfed provision --share-holders M)")
        }
        let name = kit.participant.name, lines = link.lines
        let holder = try reportingErrors {
            try ShareHolderAgent(name: name, stateDirectory: state ?? (identity as NSString).appendingPathComponent("state"), caPEM: kit.caPEM,
                                 sign: { try ParticipantSignature.sign($0, with: kit) }) { lines.agentWork($0, name: name) }
        }
        // A share-holder has no data: its hello reports 0 examples.
        try await link.serve(kit: kit, data: AgentData(sha256: Digest.sha256Hex(""), examples: 0), answer: holder.answer)
    }
}
