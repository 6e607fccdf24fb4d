import Foundation
import X509

/// A startup kit as its own participant reads it before it dials or listens: the certificate and
/// private key (0600), the CA certificate and `config.json`. Loading checks what would otherwise
/// fail late, or not at all: the CA matches the fingerprint the config pins (a kit pointed at
/// another federation's CA is refused), the certificate is signed by that CA and names the
/// participant the config names.
public struct LoadedKit: Sendable {
    public let participant: Participant
    public let config: StartupKitConfig
    public let certificatePEM: String
    public let privateKeyPEM: String
    public let caPEM: String

    /// - Throws: `ProvisioningError`, naming the file at fault.
    public static func load(from folder: URL) throws -> LoadedKit {
        let configURL = folder.appendingPathComponent(KeyFiles.config)
        let config: StartupKitConfig
        do { config = try JSONDecoder().decode(StartupKitConfig.self, from: Data(try KeyFiles.read(configURL).utf8)) } catch let error as ProvisioningError {
            throw error
        } catch {
            throw ProvisioningError.unreadable(path: configURL.path, reason: "is not a startup kit config (\(error))")
        }
        let caURL = folder.appendingPathComponent(KeyFiles.caCertificate), certificateURL = folder.appendingPathComponent(KeyFiles.certificate)
        let ca = try KeyFiles.readCertificate(caURL)
        guard try CertificateAuthority.fingerprint(of: ca) == config.caSHA256 else {
            throw ProvisioningError.unreadable(path: caURL.path, reason: "its SHA-256 is not the CA fingerprint \(configURL.lastPathComponent) pins")
        }
        let certificate = try KeyFiles.readCertificate(certificateURL)
        guard CertificateAuthority.isSigned(certificate, by: ca) else { throw ProvisioningError.notSignedByThisAuthority(path: certificateURL.path) }
        let participant = try Participant(subject: certificate.subject)
        guard participant.name == config.name, participant.role == config.role else {
            throw ProvisioningError.unreadable(path: certificateURL.path,
                                               reason: "names \(participant.name) (\(participant.role.rawValue)), but the config names \(config.name) (\(config.role.rawValue))")
        }
        let keyURL = folder.appendingPathComponent(KeyFiles.privateKey)
        _ = try KeyFiles.readKey(keyURL)
        return LoadedKit(participant: participant, config: config, certificatePEM: try KeyFiles.read(certificateURL),
                         privateKeyPEM: try KeyFiles.read(keyURL), caPEM: try KeyFiles.read(caURL))
    }
}
