/// Why provisioning refused; each names the file or value at fault.
public enum ProvisioningError: Error, CustomStringConvertible, Equatable {
    case invalidName(String)
    case outputExists(String)
    case unreadable(path: String, reason: String)
    case unrecognisedSubject(String)
    case badRequestSignature(path: String)
    case notSignedByThisAuthority(path: String)
    case invalidHost(String)
    case insecureKeyFile(path: String, mode: Int)

    public var description: String {
        switch self {
        case .invalidName(let name):
            return "participant name \"\(name)\": use 1 to 64 of a-z, 0-9 and '-', not starting with '-'"
        case .outputExists(let path):
            return "\(path) already exists; provisioning never overwrites keys (choose another --out, or remove it)"
        case .unreadable(let path, let reason):
            return "\(path): \(reason)"
        case .unrecognisedSubject(let subject):
            return "the subject \(subject) names no privfed participant (expected CN = name, OU = orchestrator, agent or share-holder)"
        case .badRequestSignature(let path):
            return "\(path): the request's signature does not verify under its own public key; it was altered after it was made"
        case .notSignedByThisAuthority(let path):
            return "\(path): the certificate was not signed by this federation's CA"
        case .invalidHost(let host):
            return "host \"\(host)\" is neither an IP address nor a DNS name"
        case .insecureKeyFile(let path, let mode):
            return "\(path) is readable by others (mode \(String(mode, radix: 8))); a private key must be 0600"
        }
    }
}
