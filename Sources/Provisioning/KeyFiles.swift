import Crypto
import Foundation
import X509

/// The PEM files of provisioning. Private keys are written 0600 and refused when others can
/// read them; a folder of keys is 0700. Every file is written whole (temporary file, rename).
enum KeyFiles {
    static let certificate = "certificate.pem"
    static let privateKey = "private-key.pem"
    static let caCertificate = "ca.pem"
    static let caKey = "ca.key"
    static let request = "request.pem"
    static let config = "config.json"

    static func write(_ text: String, to url: URL, mode: Int) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw ProvisioningError.unreadable(path: url.path, reason: "cannot be written")
        }
        guard rename(temporary.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw ProvisioningError.unreadable(path: url.path, reason: "cannot be written: \(String(cString: strerror(errno)))")
        }
    }

    static func writeKey(_ key: Certificate.PrivateKey, to url: URL) throws {
        try write(try key.serializeAsPEM().pemString + "\n", to: url, mode: 0o600)
    }

    static func writeCertificate(_ certificate: Certificate, to url: URL) throws {
        try write(try certificate.serializeAsPEM().pemString + "\n", to: url, mode: 0o644)
    }

    static func read(_ url: URL) throws -> String {
        do { return try String(contentsOf: url, encoding: .utf8) } catch {
            throw ProvisioningError.unreadable(path: url.path, reason: "cannot be read (\(error.localizedDescription))")
        }
    }

    /// A private key, refused when its file is readable by group or others.
    static func readKey(_ url: URL) throws -> Certificate.PrivateKey {
        let text = try read(url)
        let mode = (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? 0
        guard mode & 0o077 == 0 else { throw ProvisioningError.insecureKeyFile(path: url.path, mode: mode) }
        do { return try Certificate.PrivateKey(pemEncoded: text) } catch {
            throw ProvisioningError.unreadable(path: url.path, reason: "is not a PEM private key")
        }
    }

    static func readCertificate(_ url: URL) throws -> Certificate {
        do { return try Certificate(pemEncoded: try read(url)) } catch let error as ProvisioningError { throw error } catch {
            throw ProvisioningError.unreadable(path: url.path, reason: "is not a PEM certificate (\(error))")
        }
    }

    /// A new folder, refused when it exists: provisioning never overwrites keys.
    static func makeFolder(_ url: URL) throws {
        guard !FileManager.default.fileExists(atPath: url.path) else { throw ProvisioningError.outputExists(url.path) }
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    }
}

extension CertificateAuthority {
    /// The CA kept in `folder` (`ca.pem`, `ca.key`), checked to belong together.
    public static func load(from folder: URL) throws -> CertificateAuthority {
        let certificate = try KeyFiles.readCertificate(folder.appendingPathComponent(KeyFiles.caCertificate))
        let key = try KeyFiles.readKey(folder.appendingPathComponent(KeyFiles.caKey))
        guard certificate.publicKey == key.publicKey else {
            throw ProvisioningError.unreadable(path: folder.appendingPathComponent(KeyFiles.caKey).path,
                                               reason: "is not the key of \(KeyFiles.caCertificate) beside it")
        }
        return CertificateAuthority(certificate: certificate, key: key)
    }

    /// Writes `ca.pem` and `ca.key` (0600) into the new folder `folder`.
    func write(to folder: URL) throws {
        try KeyFiles.makeFolder(folder)
        try KeyFiles.writeCertificate(certificate, to: folder.appendingPathComponent(KeyFiles.caCertificate))
        try KeyFiles.writeKey(key, to: folder.appendingPathComponent(KeyFiles.caKey))
    }
}
