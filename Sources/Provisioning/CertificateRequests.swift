import Crypto
import Foundation
import X509

/// The other way into a federation: a participant makes its own key and a certificate signing
/// request (PKCS #10, RFC 2986) on its own machine, and the CA operator signs the request. The
/// private key never leaves the participant's machine; the CA sees only the request.
public enum CertificateRequests {
    /// `privfed provision request`: a fresh key (`private-key.pem`, 0600) and `request.pem`
    /// naming `participant`, in the new folder `out`.
    public static func request(_ participant: Participant, out: URL) throws {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let request = try CertificateSigningRequest(version: .v1, subject: try participant.distinguishedName,
                                                    privateKey: key,
                                                    attributes: CertificateSigningRequest.Attributes(),
                                                    signatureAlgorithm: .ecdsaWithSHA256)
        try KeyFiles.makeFolder(out)
        try KeyFiles.writeKey(key, to: out.appendingPathComponent(KeyFiles.privateKey))
        try KeyFiles.write(try request.serializeAsPEM().pemString + "\n", to: out.appendingPathComponent(KeyFiles.request), mode: 0o644)
    }

    /// `privfed provision sign`: checks the request at `requestPath` (its own signature, a
    /// privfed subject) and writes the participant's `certificate.pem`, `ca.pem` and
    /// `config.json` into the new folder `out`. Returns who was signed.
    @discardableResult
    public static func sign(request requestPath: URL, authority: CertificateAuthority, orchestrator: String,
                            hosts: [String] = [], out: URL) throws -> Participant {
        let request: CertificateSigningRequest
        do { request = try CertificateSigningRequest(pemEncoded: try KeyFiles.read(requestPath)) } catch let error as ProvisioningError { throw error } catch {
            throw ProvisioningError.unreadable(path: requestPath.path, reason: "is not a PEM certificate signing request (\(error))")
        }
        guard request.publicKey.isValidSignature(request.signature, for: request) else {
            throw ProvisioningError.badRequestSignature(path: requestPath.path)
        }
        let participant = try Participant(subject: request.subject)
        let certificate = try authority.issue(participant, publicKey: request.publicKey, hosts: hosts)
        try KeyFiles.makeFolder(out)
        try StartupKit.writeIssued(certificate, for: participant, authority: authority, orchestrator: orchestrator, into: out)
        return participant
    }
}
