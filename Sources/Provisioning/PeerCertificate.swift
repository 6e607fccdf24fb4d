import Foundation
import X509

/// A certificate one participant is shown of another through the orchestrator's relay: a share
/// holder's key reaches an agent, and an agent's share reaches a share-holder, only through the
/// orchestrator, so neither peer has a TLS session with the other to vouch for it. Each checks
/// the certificate itself against the CA certificate of its own kit, the one trust anchor it has
/// — the orchestrator cannot make a certificate that passes, so it cannot stand in for a peer
/// (RFC 5280 §6.1 in the one-level form privfed's CA issues: signed by the CA, within its
/// validity, and the role the step needs).
public enum PeerCertificate {
    /// The participant `certificatePEM` certifies, once it is signed by the CA of `caPEM`, valid
    /// at `now`, and of `role`.
    /// - Throws: `ProvisioningError.unreadable` naming `what` and the reason.
    public static func verified(_ certificatePEM: String, caPEM: String, role: ParticipantRole, what: String,
                                now: Date = Date()) throws -> Participant {
        func refuse(_ reason: String) -> ProvisioningError { .unreadable(path: what, reason: reason) }
        guard let certificate = try? Certificate(pemEncoded: certificatePEM) else { throw refuse("is not a PEM certificate") }
        guard let authority = try? Certificate(pemEncoded: caPEM) else { throw refuse("cannot be checked: the kit's CA certificate does not read") }
        guard CertificateAuthority.isSigned(certificate, by: authority) else { throw refuse("is not signed by this federation's CA") }
        guard certificate.notValidBefore <= now, now <= certificate.notValidAfter else {
            throw refuse("is not valid now (valid from \(certificate.notValidBefore) to \(certificate.notValidAfter))")
        }
        let participant: Participant
        do { participant = try Participant(subject: certificate.subject) } catch { throw refuse("names no privfed participant") }
        guard participant.role == role else { throw refuse("is \(participant.name)'s, whose role is \(participant.role.rawValue), not \(role.rawValue)") }
        return participant
    }
}
