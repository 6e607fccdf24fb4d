import Crypto
import Foundation
@testable import Provisioning
import TestSupport
import X509
import XCTest

/// A federation's trust rests on its private CA: each participant holds a key made for it alone
/// and a certificate for its role, signed by that CA and by nothing else. The attacks: present a
/// kit to another federation's CA, use an agent's certificate as a server, alter a signing
/// request, read a key another user can read, provision over an existing kit. Certificates are
/// checked with swift-certificates and, independently, with the `openssl` command.
final class ProvisioningSecurityTests: XCTestCase {
    func kits(agents: Int = 2, shareHolders: Int = 1) throws -> URL {
        let out = URL(fileURLWithPath: try scratchDirectory(prefix: "provision")).appendingPathComponent("kits")
        var plan = StartupKit.Plan(agents: agents)
        plan.shareHolders = shareHolders
        plan.hosts = ["orch.example.org", "10.0.0.1"]
        try StartupKit.provision(plan, out: out)
        return out
    }

    /// `openssl verify` (exit status and output) for `certificate` against `ca`.
    func opensslVerify(ca: URL, certificate: URL, purpose: String? = nil) throws -> (ok: Bool, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "verify", "-CAfile", ca.path] + (purpose.map { ["-purpose", $0] } ?? []) + [certificate.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus == 0, output)
    }

    func mode(_ url: URL) throws -> Int { try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) }

    func testEveryKitChainsToItsFederationsCAAndHoldsItsOwnPrivateKey() throws {
        let out = try kits()
        let authority = try CertificateAuthority.load(from: out.appendingPathComponent("ca"))
        XCTAssertEqual(try mode(out.appendingPathComponent("ca/ca.key")) & 0o077, 0)
        var keys = Set<Data>()
        for name in ["orchestrator", "agent-0", "agent-1", "share-holder-0"] {
            let folder = out.appendingPathComponent(name)
            let certificate = try Certificate(pemEncoded: try String(contentsOf: folder.appendingPathComponent("certificate.pem"), encoding: .utf8))
            let key = try P256.Signing.PrivateKey(pemRepresentation: try String(contentsOf: folder.appendingPathComponent("private-key.pem"), encoding: .utf8))
            XCTAssertTrue(authority.signed(certificate), name)
            XCTAssertEqual(certificate.publicKey, Certificate.PublicKey(key.publicKey), "\(name)'s key is not its certificate's")
            XCTAssertEqual(try Participant(subject: certificate.subject).name, name)
            XCTAssertEqual(try mode(folder.appendingPathComponent("private-key.pem")) & 0o077, 0, "\(name)'s key is readable by others")
            keys.insert(key.rawRepresentation)
            let verified = try opensslVerify(ca: folder.appendingPathComponent("ca.pem"), certificate: folder.appendingPathComponent("certificate.pem"))
            XCTAssertTrue(verified.ok, "openssl: \(verified.output)")
            let config = try JSONDecoder().decode(StartupKitConfig.self, from: Data(contentsOf: folder.appendingPathComponent("config.json")))
            XCTAssertEqual(config.name, name)
            XCTAssertEqual(config.orchestrator, "orch.example.org:8002")
            XCTAssertEqual(config.caSHA256, try authority.fingerprint)
        }
        XCTAssertEqual(keys.count, 4, "two participants share a private key")
    }

    func testAKitIsWorthlessToAnotherFederationAndAnAgentCannotServe() throws {
        let ours = try kits(agents: 1, shareHolders: 0), theirs = try kits(agents: 1, shareHolders: 0)
        let agent = ours.appendingPathComponent("agent-0/certificate.pem")
        let foreign = try opensslVerify(ca: theirs.appendingPathComponent("ca/ca.pem"), certificate: agent)
        XCTAssertFalse(foreign.ok, "another federation's CA accepted our agent: \(foreign.output)")
        let other = try CertificateAuthority.load(from: theirs.appendingPathComponent("ca"))
        XCTAssertFalse(other.signed(try Certificate(pemEncoded: try String(contentsOf: agent, encoding: .utf8))))
        // Roles: the orchestrator may serve TLS, an agent's certificate is for connecting only.
        let ca = ours.appendingPathComponent("ca/ca.pem")
        XCTAssertTrue(try opensslVerify(ca: ca, certificate: ours.appendingPathComponent("orchestrator/certificate.pem"), purpose: "sslserver").ok)
        XCTAssertFalse(try opensslVerify(ca: ca, certificate: agent, purpose: "sslserver").ok, "an agent could pose as the orchestrator")
        XCTAssertTrue(try opensslVerify(ca: ca, certificate: agent, purpose: "sslclient").ok)
    }

    func testARequestSignedByTheCAKeepsTheKeyOnTheParticipantsMachine() throws {
        let out = try kits(agents: 1, shareHolders: 0)
        let machine = URL(fileURLWithPath: try scratchDirectory(prefix: "agent-machine")).appendingPathComponent("identity")
        try CertificateRequests.request(try Participant(name: "agent-7", role: .agent), out: machine)
        let signed = out.appendingPathComponent("agent-7")
        let authority = try CertificateAuthority.load(from: out.appendingPathComponent("ca"))
        let who = try CertificateRequests.sign(request: machine.appendingPathComponent("request.pem"), authority: authority,
                                               orchestrator: "orch.example.org:8002", out: signed)
        XCTAssertEqual(who, try Participant(name: "agent-7", role: .agent))
        XCTAssertFalse(FileManager.default.fileExists(atPath: signed.appendingPathComponent("private-key.pem").path),
                       "the CA's output holds a private key")
        let key = try P256.Signing.PrivateKey(pemRepresentation: try String(contentsOf: machine.appendingPathComponent("private-key.pem"), encoding: .utf8))
        let certificate = try Certificate(pemEncoded: try String(contentsOf: signed.appendingPathComponent("certificate.pem"), encoding: .utf8))
        XCTAssertEqual(certificate.publicKey, Certificate.PublicKey(key.publicKey))
        XCTAssertTrue(try opensslVerify(ca: signed.appendingPathComponent("ca.pem"), certificate: signed.appendingPathComponent("certificate.pem")).ok)
    }

    /// The attacker rewrites a request's subject to get a certificate for another participant
    /// (or the orchestrator's role) with the victim's signature: refused, nothing written.
    func testAnAlteredRequestIsRefused() throws {
        let out = try kits(agents: 1, shareHolders: 0)
        let machine = URL(fileURLWithPath: try scratchDirectory(prefix: "agent-machine")).appendingPathComponent("identity")
        try CertificateRequests.request(try Participant(name: "agent-1", role: .agent), out: machine)
        let original = try CertificateSigningRequest(pemEncoded: try String(contentsOf: machine.appendingPathComponent("request.pem"), encoding: .utf8))
        let forged = try CertificateSigningRequest(version: .v1, subject: try Participant(name: "orchestrator", role: .orchestrator).distinguishedName,
                                                   publicKey: original.publicKey, attributes: original.attributes,
                                                   signatureAlgorithm: original.signatureAlgorithm, signature: original.signature)
        let forgedPath = machine.appendingPathComponent("forged.pem")
        try (try forged.serializeAsPEM().pemString).write(to: forgedPath, atomically: true, encoding: .utf8)
        let target = out.appendingPathComponent("forged")
        XCTAssertThrowsError(try CertificateRequests.sign(request: forgedPath, authority: try CertificateAuthority.load(from: out.appendingPathComponent("ca")),
                                                          orchestrator: "orch.example.org:8002", out: target)) {
            XCTAssertEqual($0 as? ProvisioningError, .badRequestSignature(path: forgedPath.path))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path))
    }

    func testAKeyOthersCanReadIsRefusedAndAKitIsNeverOverwritten() throws {
        let out = try kits(agents: 1, shareHolders: 0)
        let caKey = out.appendingPathComponent("ca/ca.key")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: caKey.path)
        XCTAssertThrowsError(try CertificateAuthority.load(from: out.appendingPathComponent("ca"))) {
            XCTAssertEqual($0 as? ProvisioningError, .insecureKeyFile(path: caKey.path, mode: 0o644))
        }
        let before = try Data(contentsOf: out.appendingPathComponent("agent-0/private-key.pem"))
        XCTAssertThrowsError(try StartupKit.provision(StartupKit.Plan(agents: 1), out: out)) {
            XCTAssertEqual($0 as? ProvisioningError, .outputExists(out.path))
        }
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("agent-0/private-key.pem")), before)
        var bad = StartupKit.Plan(agents: 1)
        bad.hosts = ["not a host!"]
        let fresh = out.deletingLastPathComponent().appendingPathComponent("fresh")
        XCTAssertThrowsError(try StartupKit.provision(bad, out: fresh)) { XCTAssertEqual($0 as? ProvisioningError, .invalidHost("not a host!")) }
        let left = try FileManager.default.contentsOfDirectory(atPath: out.deletingLastPathComponent().path)
        XCTAssertEqual(left.sorted(), ["kits"], "a failed provisioning left \(left)")
    }
}
