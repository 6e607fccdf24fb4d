import Crypto
import Foundation
import SwiftASN1
import X509

/// A participant's signature on bytes it releases (an agent's upload, issue 14): ECDSA P-256
/// over SHA-256 (FIPS 186-5) with the key of its startup kit, checked against the certificate
/// the CA issued for that key. The signature is 64 bytes, r ‖ s.
public enum ParticipantSignature {
    /// Signs `message` with `kit`'s private key.
    /// - Throws: `ProvisioningError` when the kit's key is not a P-256 key.
    public static func sign(_ message: [UInt8], with kit: LoadedKit) throws -> [UInt8] {
        let key: P256.Signing.PrivateKey
        do { key = try P256.Signing.PrivateKey(pemRepresentation: kit.privateKeyPEM) } catch {
            throw ProvisioningError.unreadable(path: KeyFiles.privateKey, reason: "is not a P-256 private key (\(error))")
        }
        return Array(try key.signature(for: message).rawRepresentation)
    }

    /// Whether `signature` on `message` was made with the key `certificatePEM` certifies.
    public static func isValid(_ signature: [UInt8], on message: [UInt8], certificatePEM: String) -> Bool {
        guard let certificate = try? Certificate(pemEncoded: certificatePEM), let key = P256.Signing.PublicKey(certificate.publicKey),
              let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
        return key.isValidSignature(parsed, for: message)
    }

    /// The participant `certificatePEM` names (CN = name, OU = role), or nil.
    public static func participant(of certificatePEM: String) -> Participant? {
        guard let certificate = try? Certificate(pemEncoded: certificatePEM) else { return nil }
        return try? Participant(subject: certificate.subject)
    }

    /// `certificate` in PEM (the form the records keep).
    public static func pem(_ certificate: Certificate) -> String? {
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(certificate)) != nil else { return nil }
        return PEMDocument(type: "CERTIFICATE", derBytes: serializer.serializedBytes).pemString
    }
}
