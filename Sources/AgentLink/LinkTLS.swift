import GRPCNIOTransportHTTP2
import Provisioning

/// Mutual TLS for both ends of the link, from a startup kit: each side presents its kit's
/// certificate and trusts only its kit's `ca.pem` (already checked against the pinned
/// fingerprint by `LoadedKit.load`), never the system's roots.
enum LinkTLS {
    static func chain(_ kit: LoadedKit) -> [TLSConfig.CertificateSource] { [.bytes(Array(kit.certificatePEM.utf8), format: .pem)] }
    static func key(_ kit: LoadedKit) -> TLSConfig.PrivateKeySource { .bytes(Array(kit.privateKeyPEM.utf8), format: .pem) }
    static func roots(_ kit: LoadedKit) -> TLSConfig.TrustRootsSource { .certificates([.bytes(Array(kit.caPEM.utf8), format: .pem)]) }

    /// The orchestrator's side: a client certificate is required and must chain to the CA (a
    /// peer without one, or with another federation's, fails the handshake); plain TCP never
    /// reaches gRPC.
    static func server(_ kit: LoadedKit) -> HTTP2ServerTransport.Posix.TransportSecurity {
        .mTLS(certificateChain: chain(kit), privateKey: key(kit)) {
            $0.trustRoots = roots(kit)
            $0.clientCertificateVerification = .noHostnameVerification
        }
    }

    /// The agent's side: the orchestrator's certificate must chain to the CA and name the host
    /// dialled.
    static func client(_ kit: LoadedKit) -> HTTP2ClientTransport.Posix.TransportSecurity {
        .mTLS(certificateChain: chain(kit), privateKey: key(kit)) {
            $0.trustRoots = roots(kit)
            $0.serverCertificateVerification = .fullVerification
        }
    }
}
