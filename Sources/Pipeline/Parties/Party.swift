/// A participant of a job: the owner of a secret root, of local records, and (for clients) of a
/// data shard. The names are what the ledger, the secrets file and the commitments record.
public enum Party: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Runs the rounds: selects clients, sums what it receives, releases the model. Under central
    /// DP it is the trusted curator that adds the noise.
    case aggregator
    /// Data holder `k`: trains on its shard and protects its update before it leaves.
    case client(Int)
    /// Holder `h` of additive shares (MPC), or of re-shared HE key shares (DP + HE + MPC).
    case shareHolder(Int)
    /// Deals the Beaver triples of secure evaluation.
    case cryptoProvider
    /// Holds the test set secure evaluation runs on (the second party of the two-party computation).
    case evaluationDataOwner
    /// Runs the one-run privacy audit: draws the canaries and their inclusion mask.
    case auditor

    public var description: String {
        switch self {
        case .aggregator: return "aggregator"
        case .client(let k): return "client/\(k)"
        case .shareHolder(let h): return "share-holder/\(h)"
        case .cryptoProvider: return "crypto-provider"
        case .evaluationDataOwner: return "evaluation-data-owner"
        case .auditor: return "auditor"
        }
    }

    /// The party named `text` (as `description` writes it); nil for anything else.
    public init?(_ text: String) {
        switch text {
        case "aggregator": self = .aggregator
        case "crypto-provider": self = .cryptoProvider
        case "evaluation-data-owner": self = .evaluationDataOwner
        case "auditor": self = .auditor
        default:
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let index = Int(parts[1]), index >= 0, String(index) == parts[1] else { return nil }
            switch parts[0] {
            case "client": self = .client(index)
            case "share-holder": self = .shareHolder(index)
            default: return nil
            }
        }
    }

    /// Every party of a job run from `manifest`, in a fixed order.
    public static func all(in manifest: JobManifest) -> [Party] {
        var parties: [Party] = [.aggregator]
        parties += (0..<manifest.dataset.clients).map { Party.client($0) }
        let p = manifest.privacy
        if p.secureAggregation == .additive { parties += (0..<p.effectiveShareHolders).map { Party.shareHolder($0) } }
        if manifest.stages.contains(.secureEvaluate) { parties += [.cryptoProvider, .evaluationDataOwner] }
        if manifest.audit != nil { parties.append(.auditor) }
        return parties
    }

    private var order: (Int, Int) {
        switch self {
        case .aggregator: return (0, 0)
        case .client(let k): return (1, k)
        case .shareHolder(let h): return (2, h)
        case .cryptoProvider: return (3, 0)
        case .evaluationDataOwner: return (4, 0)
        case .auditor: return (5, 0)
        }
    }

    public static func < (a: Party, b: Party) -> Bool { a.order < b.order }
}
