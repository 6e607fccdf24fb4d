import ArgumentParser
import Foundation
import Provisioning

struct ProvisionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provision",
        abstract: "Make a federation's private CA and each participant's startup kit.",
        discussion: """
        privfed provision --out kits --agents 3 --host orch.example.org makes a private \
        certificate authority (kits/ca, whose ca.key stays with you) and one folder per \
        participant (kits/orchestrator, kits/agent-0, …, kits/share-holder-0, …): its \
        certificate, the private key made for it (0600), the CA certificate and config.json \
        (name, role, orchestrator address, CA fingerprint). Copy each folder to its machine.

        A participant that must keep its key on its own machine runs \
        `privfed provision request`, sends request.pem, and the operator runs \
        `privfed provision sign`.
        """,
        subcommands: [ProvisionKitsCommand.self, ProvisionRequestCommand.self, ProvisionSignCommand.self],
        defaultSubcommand: ProvisionKitsCommand.self
    )
}

struct ProvisionKitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kits",
        abstract: "A new CA and startup kits for the orchestrator, N agents and M share-holders (the default).")

    @Option(help: "The folder to create (must not exist).") var out: String
    @Option(help: "Training agents (agent-0 …).") var agents: Int
    @Option(name: .customLong("share-holders"), help: "Share-holders (share-holder-0 …).") var shareHolders = 0
    @Option(name: .customLong("host"),
            help: "Name or IP of the orchestrator (repeat; first is dialled).") var hosts: [String] = []
    @Option(help: "The orchestrator's agent port.") var port = 8002
    @Flag(help: "Print what was made as JSON.") var json = false

    func run() throws {
        var plan = StartupKit.Plan(agents: agents)
        plan.shareHolders = shareHolders
        if !hosts.isEmpty { plan.hosts = hosts }
        plan.port = port
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1 to 65535, got \(port)") }
        guard shareHolders >= 0 else { throw ValidationError("--share-holders must be 0 or more, got \(shareHolders)") }
        let participants = try StartupKit.provision(plan, out: URL(fileURLWithPath: out))
        if json {
            struct Made: Encodable { var out: String; var orchestrator: String; var participants: [Participant] }
            try printJSON(Made(out: out, orchestrator: plan.orchestratorAddress, participants: participants))
        } else {
            print("\(out)/ca: the federation's CA (keep ca.key private)")
            for p in participants { print("\(out)/\(p.name): \(p.role.rawValue) startup kit") }
            print("agents dial the orchestrator at \(plan.orchestratorAddress)")
        }
    }
}

struct ProvisionRequestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Make this participant's key and a certificate request; the key stays here.")

    @Option(help: "The participant's name (agent-3, share-holder-0, …).") var name: String
    @Option(help: "agent or share-holder.") var role: String = "agent"
    @Option(help: "The folder to create (must not exist).") var out: String

    func run() throws {
        guard let role = ParticipantRole(rawValue: role), role != .orchestrator else {
            throw ValidationError("--role must be agent or share-holder, got \(role)")
        }
        try CertificateRequests.request(try Participant(name: name, role: role), out: URL(fileURLWithPath: out))
        print("\(out)/private-key.pem: your key (0600, never send it)")
        print("\(out)/request.pem: send this to the federation's operator for `privfed provision sign`")
    }
}

struct ProvisionSignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a participant's request with the federation's CA.")

    @Option(help: "The CA folder made by `privfed provision` (ca.pem, ca.key).") var ca: String
    @Option(help: "The participant's request.pem.") var request: String
    @Option(help: "HOST:PORT of the orchestrator's agent port, for config.json.") var orchestrator: String
    @Option(help: "The folder to create for the signed kit (must not exist).") var out: String

    func run() throws {
        let authority = try CertificateAuthority.load(from: URL(fileURLWithPath: ca))
        let participant = try CertificateRequests.sign(request: URL(fileURLWithPath: request), authority: authority,
                                                       orchestrator: orchestrator, out: URL(fileURLWithPath: out))
        print("\(out): certificate, CA certificate and config for \(participant.role.rawValue) \(participant.name)")
        print("copy them beside \(participant.name)'s private-key.pem")
    }
}
