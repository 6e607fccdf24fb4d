import Crypto
import Foundation
import X509

/// What a participant's `config.json` says: who it is and where the orchestrator listens, with
/// the CA's fingerprint pinned so a kit cannot be pointed at another federation's CA.
public struct StartupKitConfig: Codable, Equatable, Sendable {
    public static let currentFormat = "privfed-startup-kit/1"
    public var format = StartupKitConfig.currentFormat
    public var name: String
    public var role: ParticipantRole
    /// HOST:PORT of the orchestrator's agent port.
    public var orchestrator: String
    public var caSHA256: String

    enum CodingKeys: String, CodingKey {
        case format, name, role, orchestrator
        case caSHA256 = "ca_sha256"
    }
}

/// `privfed provision`: a private CA and one startup folder per participant — its certificate,
/// the private key made for it, the CA certificate and a config file (NVIDIA FLARE's
/// provisioned startup kits). The whole tree is built in a hidden sibling folder and renamed into
/// place, so a failure leaves nothing half-written; an existing folder is never overwritten.
///
/// ```
/// OUT/ca/{ca.pem, ca.key}                        the CA; ca.key never leaves the operator
/// OUT/orchestrator/{ca.pem, certificate.pem, private-key.pem, config.json}
/// OUT/agent-K/…, OUT/share-holder-H/…            one folder to copy to each machine
/// ```
public enum StartupKit {
    public struct Plan: Sendable {
        public var agents: Int
        public var shareHolders = 0
        /// Names and addresses the orchestrator's certificate is valid for; the first is dialled.
        public var hosts = ["localhost", "127.0.0.1"]
        public var port = 8002
        public var federation = "privfed"

        public init(agents: Int) { self.agents = agents }

        public var participants: [Participant] {
            get throws {
                try [Participant(name: "orchestrator", role: .orchestrator)]
                    + (0..<agents).map { try Participant(name: "agent-\($0)", role: .agent) }
                    + (0..<shareHolders).map { try Participant(name: "share-holder-\($0)", role: .shareHolder) }
            }
        }

        public var orchestratorAddress: String {
            let host = hosts.first ?? "localhost"
            return (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        }
    }

    /// Provisions `plan` into the new folder `out`; returns the participants made.
    @discardableResult
    public static func provision(_ plan: Plan, out: URL) throws -> [Participant] {
        guard plan.agents >= 1 else { throw ProvisioningError.invalidName("--agents \(plan.agents): at least one agent") }
        guard !FileManager.default.fileExists(atPath: out.path) else { throw ProvisioningError.outputExists(out.path) }
        for host in plan.hosts { _ = try CertificateAuthority.generalName(host) }
        let staging = out.deletingLastPathComponent().appendingPathComponent(".\(out.lastPathComponent).partial-\(UUID().uuidString)")
        try KeyFiles.makeFolder(staging)
        do {
            let authority = try CertificateAuthority.create(federation: plan.federation)
            try authority.write(to: staging.appendingPathComponent("ca"))
            let participants = try plan.participants
            for participant in participants {
                let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
                let certificate = try authority.issue(participant, publicKey: key.publicKey,
                                                      hosts: participant.role == .orchestrator ? plan.hosts : [])
                let folder = staging.appendingPathComponent(participant.name)
                try KeyFiles.makeFolder(folder)
                try KeyFiles.writeKey(key, to: folder.appendingPathComponent(KeyFiles.privateKey))
                try writeIssued(certificate, for: participant, authority: authority, orchestrator: plan.orchestratorAddress, into: folder)
            }
            guard rename(staging.path, out.path) == 0 else {
                throw ProvisioningError.outputExists(out.path)
            }
            return participants
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    /// `certificate.pem`, `ca.pem` and `config.json` of one participant, into `folder`.
    static func writeIssued(_ certificate: Certificate, for participant: Participant, authority: CertificateAuthority,
                            orchestrator: String, into folder: URL) throws {
        try KeyFiles.writeCertificate(certificate, to: folder.appendingPathComponent(KeyFiles.certificate))
        try KeyFiles.writeCertificate(authority.certificate, to: folder.appendingPathComponent(KeyFiles.caCertificate))
        let config = StartupKitConfig(name: participant.name, role: participant.role, orchestrator: orchestrator,
                                      caSHA256: try authority.fingerprint)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try KeyFiles.write(String(decoding: try encoder.encode(config), as: UTF8.self) + "\n",
                           to: folder.appendingPathComponent(KeyFiles.config), mode: 0o644)
    }
}
