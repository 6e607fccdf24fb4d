import Foundation
import ResultsStore

/// The `ledger_signature` check: the job's ledger head is the one the operator signed.
///
/// The hash chain (`ledger_chain`) is unkeyed, so it shows only that the rows are consistent
/// with each other: someone who rewrites the last rows and recomputes every hash after them
/// passes it. The operator's Ed25519 signatures (RFC 8032) over each release's head cannot be
/// recomputed without the operator's private key, which lives outside the database.
///
/// Trust comes from outside the database too: the public key given to the audit
/// (`--operator-public-key HEX`, or `--operator-key FILE`), else the operator key file the
/// database signs with (`OperatorKey.defaultPath`) when it is present. The public key recorded
/// in the database is never trusted: an attacker who re-signs with a key of their own would
/// record that one.
struct LedgerSignatureAudit {
    let database: ResultsDatabase
    /// The trusted operator public key (64 hex digits); nil: read it from the key file.
    let operatorPublicKey: String?

    func finding(jobId: Int64) -> AuditFinding {
        let trusted: String
        do {
            if let given = operatorPublicKey {
                trusted = try OperatorKey.publicKey(hex: given)
            } else if FileManager.default.fileExists(atPath: database.operatorKeyPath) {
                trusted = try OperatorKey.read(at: database.operatorKeyPath).publicKeyHex
            } else if try database.ledger(jobId: jobId).isEmpty && database.ledgerSignatures(jobId: jobId).isEmpty {
                return AuditFinding("ledger_signature", true, LedgerSignatureFinding.emptyLedger.description)
            } else {
                return AuditFinding("ledger_signature", false,
                                    "no operator key to check the ledger's signatures against: \(database.operatorKeyPath) does not exist; pass --operator-key FILE or --operator-public-key HEX")
            }
            let result = try database.verifyLedgerSignatures(jobId: jobId, operatorPublicKey: trusted)
            return AuditFinding("ledger_signature", result.passed, result.description)
        } catch {
            return AuditFinding("ledger_signature", false, "\(error)")
        }
    }
}
