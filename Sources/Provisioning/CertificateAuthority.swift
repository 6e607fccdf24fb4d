import Crypto
import Foundation
import SwiftASN1
import X509

/// A federation's private certificate authority: a P-256 key and its self-signed certificate.
/// It signs every participant's certificate, and each party trusts only certificates chained to
/// it: the mutual TLS of the agents (FLARE's provisioned startup kits work the same way).
public struct CertificateAuthority: Sendable {
    public let certificate: Certificate
    let key: Certificate.PrivateKey

    /// How long the CA and the certificates it issues are valid.
    public static let authorityValidity: TimeInterval = 5 * 365 * 86_400
    public static let participantValidity: TimeInterval = 365 * 86_400

    /// A fresh CA; its key comes from the OS CSPRNG (swift-crypto).
    public static func create(federation: String, now: Date = Date()) throws -> CertificateAuthority {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let name = try DistinguishedName {
            OrganizationName("privfed")
            CommonName("\(federation) CA")
        }
        let publicKey = key.publicKey
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(authorityValidity),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: key)
        return CertificateAuthority(certificate: certificate, key: key)
    }

    /// Signs `publicKey` as `participant`'s certificate, valid for TLS to and from `hosts`
    /// (subject alternative names; the orchestrator's must include the address agents dial).
    public func issue(_ participant: Participant, publicKey: Certificate.PublicKey, hosts: [String] = [],
                      now: Date = Date()) throws -> Certificate {
        let names = try hosts.map(Self.generalName)
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(Self.participantValidity),
            issuer: certificate.subject, subject: try participant.distinguishedName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage(participant.role.extendedKeyUsages)
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: try certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
                if !names.isEmpty { SubjectAlternativeNames(names) }
            },
            issuerPrivateKey: key)
    }

    /// Whether `certificate` carries this CA's signature.
    public func signed(_ certificate: Certificate) -> Bool { Self.isSigned(certificate, by: self.certificate) }

    /// Whether `certificate` carries the signature of the CA certificate `authority` (a kit
    /// holds only the CA's certificate, not its key).
    public static func isSigned(_ certificate: Certificate, by authority: Certificate) -> Bool {
        certificate.issuer == authority.subject && authority.publicKey.isValidSignature(certificate.signature, for: certificate)
    }

    /// SHA-256 of the CA certificate's DER: what a startup kit's config pins.
    public var fingerprint: String { get throws { try Self.fingerprint(of: certificate) } }

    /// SHA-256 of `certificate`'s DER, lower-case hex.
    public static func fingerprint(of certificate: Certificate) throws -> String {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return SHA256.hash(data: serializer.serializedBytes).map { String(format: "%02x", $0) }.joined()
    }

    /// A host as a subject alternative name: an IPv4 or IPv6 address, or a DNS name.
    static func generalName(_ host: String) throws -> GeneralName {
        if let address = IPAddress(host) { return .ipAddress(ASN1OctetString(contentBytes: address.bytes[...])) }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard !host.isEmpty, host.count <= 253, labels.allSatisfy({ label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" }
        }) else { throw ProvisioningError.invalidHost(host) }
        return .dnsName(host.lowercased())
    }
}

/// An IPv4 or IPv6 address in network byte order (inet_pton).
struct IPAddress {
    let bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }
}
