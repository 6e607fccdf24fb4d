import Foundation
import Pipeline
import ResultsStore

/// What a job's records allow one to claim about privacy, as fields and as sentences a
/// non-expert can read. NIST SP 800-226 (2025), §3 and §5: a DP claim must state the unit of
/// privacy, the neighbouring relation, ε and δ, and the accounting method; we add each party's
/// spend against its budget. Everything comes from the ledger (what was released) — the manifest
/// only fills in what was asked for when nothing was released.
public struct PrivacyStatement: Codable, Sendable {
    /// True when the ledger (or, with no release yet, the manifest) says DP protects this job.
    public var differentialPrivacy: Bool
    public var unit: String?
    public var neighbouring: String?
    public var sampling: String?
    public var budgetEpsilon: Double?
    public var delta: Double?
    public var accountant: String?
    public var accountantVersion: String?
    /// The largest ε any party has spent under the enforcing accountant.
    public var maxEpsilonSpent: Double?
    public var parties: [PartySpend]
    public var ledgerChain: String
    /// Other protections the manifest asked for (encryption, secure aggregation): they hide
    /// updates from the aggregator but are not a DP guarantee.
    public var otherProtections: [String]
    /// The statement in plain words, one paragraph per entry.
    public var paragraphs: [String]

    public init(summary: LedgerSummary, rows: [LedgerRow], manifest: JobManifest?) {
        let requested = manifest?.privacy
        differentialPrivacy = !rows.isEmpty || (requested?.differentialPrivacy ?? false)
        unit = summary.unit ?? (requested?.differentialPrivacy == true ? requested?.unit.rawValue : nil)
        neighbouring = summary.neighbouring ?? (differentialPrivacy ? "add_remove_one" : nil)
        sampling = summary.sampling
        budgetEpsilon = summary.budget ?? (requested?.differentialPrivacy == true ? requested?.epsilon : nil)
        delta = summary.delta ?? (requested?.differentialPrivacy == true ? requested?.delta : nil)
        accountant = summary.accountant ?? (requested?.differentialPrivacy == true ? requested?.accountant.rawValue : nil)
        accountantVersion = summary.accountantVersion
        let enforced = rows.filter { $0.entry.decision == "released" }.map(\.entry.enforcedEpsilonSpent)
        maxEpsilonSpent = enforced.max()
        parties = summary.parties.sorted { partyPrecedes($0.party, $1.party) }
        ledgerChain = summary.chain
        otherProtections = Self.otherProtections(requested)
        paragraphs = []
        paragraphs = wording(released: !rows.isEmpty)
    }

    static func otherProtections(_ p: PrivacySettings?) -> [String] {
        guard let p else { return [] }
        var out: [String] = []
        if p.homomorphicEncryption {
            out.append("homomorphic encryption of client updates (\(p.encryptionScheme.rawValue)" + (p.keyLength.map { ", ring degree \($0)" } ?? "") + ")")
        }
        if p.secureAggregation != SecureAggregationName.none { out.append("secure aggregation (\(p.secureAggregation.rawValue))") }
        return out
    }

    func wording(released: Bool) -> [String] {
        var out: [String] = []
        guard differentialPrivacy else {
            out.append("No differential privacy guarantee is claimed for this job. Differential privacy was not switched on, so the "
                       + "trained model and the metrics may reveal information about individual training examples, and nothing in "
                       + "these records limits how much.")
            if !otherProtections.isEmpty {
                out.append("The job used " + otherProtections.joined(separator: " and ") + ". These hide each client's update from the "
                           + "aggregator while training runs; they do not limit what the final model reveals.")
            }
            return out
        }
        let eps = budgetEpsilon.map(Self.number) ?? "an unstated ε"
        let deltaText = delta.map(Self.number) ?? "an unstated δ"
        let isClient = unit == "client"
        let who = isClient ? "one client's entire dataset" : "one training example (one image and its label)"
        let factor = budgetEpsilon.map { Self.number(exp($0)) } ?? "?"
        var promise = "This job was trained with differential privacy. Its promise: whatever anyone sees of the training — the "
        promise += "model after every round and everything derived from it — would be almost equally likely had \(who) been left out "
        promise += "or added. \"Almost\" is measured by ε (epsilon) and δ (delta): the budget here is ε = \(eps) with δ = \(deltaText). "
        promise += "Smaller ε is stronger; ε = \(eps) means no outcome becomes more than e^ε ≈ \(factor) "
        promise += "times more likely, except with probability at most δ."
        out.append(promise)
        out.append(isClient
            ? "Unit of privacy: the client. Two collections of data are \"neighbouring\" when they differ by adding or removing one client "
                + "with all of its data. The aggregator clips each client's update and adds Gaussian noise to their sum, so the guarantee "
                + "covers each client as a whole, against anyone who sees the released models. Each client decides by its own secret "
                + "coin whether it takes part in a round (Poisson sampling); the smaller ε this sampling buys holds against an observer "
                + "of the released models who does not learn which clients took part. The aggregator, which sees who uploaded, is "
                + "protected against by secure aggregation or encryption where the job uses them, not by this amplification."
            : "Unit of privacy: the training example. Two datasets are \"neighbouring\" when they differ by adding or removing a single "
                + "example in one client's data. Each client clips every example's gradient and adds Gaussian noise before its update "
                + "leaves it (DP-SGD), so each client's data is protected separately: an example held by a client is covered by the ε "
                + "that client has spent. The ledger publishes each client's sampling rate q = B/n and so its number of examples n: "
                + "the guarantee is for adding or removing one example with n treated as public (as when one example is replaced "
                + "by another), not for hiding how many examples a client holds.")
        let accountantName = Self.accountantName(accountant)
        let version = accountantVersion.map { " (\($0))" } ?? ""
        var counting = "How ε is counted: each round's release is recorded in a tamper-evident ledger (\(ledgerChain)); ε is computed from "
        counting += "the recorded sampling rate, noise and number of steps by the \(accountantName)\(version), which also enforces "
        counting += "the budget: a release that would exceed it is blocked."
        out.append(counting)
        if released, let spent = maxEpsilonSpent, let budget = budgetEpsilon {
            let left = max(0, budget - spent)
            out.append("Budget used: the most any party has spent is ε = \(Self.number(spent)) of \(Self.number(budget)) "
                       + "(\(Self.percent(spent / budget)) used, ε = \(Self.number(left)) left). The table below lists every party.")
        } else {
            out.append("No release has been recorded yet, so no privacy budget has been spent.")
        }
        if !otherProtections.isEmpty {
            out.append("In addition the job used " + otherProtections.joined(separator: " and ") + ", which hide each client's update from "
                       + "the aggregator while training runs.")
        }
        return out
    }

    static func number(_ x: Double) -> String { ReportNumber.text(x) }

    /// The accountant in plain words.
    static func accountantName(_ accountant: String?) -> String {
        switch accountant {
        case "rdp": return "Rényi differential privacy (RDP) accountant"
        case "pld", "prv": return "numerical privacy-loss-distribution (PLD/PRV) accountant"
        case let other: return "\(other ?? "unknown") accountant"
        }
    }
    /// Rounded down, so that "100%" means the whole budget is spent.
    static func percent(_ x: Double) -> String { String(format: "%.0f%%", (100 * x).rounded(.down)) }
}
