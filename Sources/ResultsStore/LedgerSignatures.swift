import Crypto
import Foundation

/// What the operator signs after each release: a job's ledger head, the hash of its last row
/// together with how many rows it covers. Because every row hash chains from the previous one,
/// a signed (count, head) pins the whole prefix of `count` rows; a later rewrite of any of them
/// changes that head and so can be named by the first signature it breaks.
public struct LedgerHead: Sendable, Equatable {
    public var jobId: Int64
    public var rowCount: Int
    public var headHash: String

    /// The signed bytes. Domain-separated, so a signature made by the same key for any other
    /// purpose never verifies as a ledger head. Ed25519 (RFC 8032 §5.1.6) signs the message
    /// itself (PureEdDSA): no pre-hash is needed.
    public var message: Data { Data("privfed.ledger-head.v1\n\(jobId)\n\(rowCount)\n\(headHash)".utf8) }
}

/// One recorded signature (table `ledger_signatures`).
public struct LedgerSignatureRecord: Sendable, Equatable {
    public var id: Int64
    public var head: LedgerHead
    public var publicKey: String
    public var signature: String
    public var createdAt: String
}

/// What checking a job's ledger signatures against the operator's public key found.
public enum LedgerSignatureFinding: Sendable, Equatable, CustomStringConvertible {
    case verified(signatures: Int, rows: Int)
    case emptyLedger
    /// The ledger has rows but not one signature: written before migration 0008, or its
    /// signatures were removed.
    case unsigned(rows: Int)
    /// The job was signed by a key other than the operator's.
    case foreignKey(recorded: String, expected: String)
    /// A signature does not verify under the operator's key: forged, or its head was edited.
    case badSignature(signatureId: Int64, rowCount: Int)
    /// The head signed over `signedCount` rows no longer matches the chain; every earlier
    /// signed head (up to row `afterRow`) still does.
    case rewritten(afterRow: Int, signedCount: Int, rows: Int)
    /// Rows past the last signed head: appended behind the operator's back.
    case unsignedSuffix(signedRows: Int, rows: Int)

    public var passed: Bool {
        switch self {
        case .verified, .emptyLedger: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .verified(let n, let rows):
            return "\(n) operator signatures verify (Ed25519) and the latest covers the head of all \(rows) rows"
        case .emptyLedger:
            return "the ledger is empty: there is no head to sign"
        case .unsigned(let rows):
            return "the ledger has \(rows) rows but no operator signature (written before migration 0008, or its signatures were removed)"
        case .foreignKey(let recorded, let expected):
            return "the ledger was signed with operator key \(recorded), not the operator's key \(expected)"
        case .badSignature(let id, let count):
            return "signature \(id) over the head of \(count) rows does not verify under the operator's key: it was forged or edited"
        case .rewritten(let after, let signed, let rows):
            return "ledger rewritten after row \(after): the operator signed the head of its first \(signed) rows and the chain (\(rows) rows) no longer has that head"
        case .unsignedSuffix(let signed, let rows):
            return "rows \(signed + 1)–\(rows) of the ledger were appended after the last operator signature (over \(signed) rows)"
        }
    }
}

extension ResultsDatabase {
    /// Signs job `jobId`'s current ledger head with the operator key, inside the caller's
    /// transaction (the one that appended the rows), so a committed release is always signed.
    static func signLedgerHead(jobId: Int64, key: OperatorKey, db: any SQLSession) throws {
        guard let head = try currentHead(jobId: jobId, db: db) else { return }
        let signature = try key.privateKey.signature(for: head.message)
        let now = Timestamp.now()
        try db.execute(sql: "INSERT INTO operator_keys (public_key, first_used_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                       arguments: [key.publicKeyHex, now])
        try db.execute(sql: """
            INSERT INTO ledger_signatures (job_id, row_count, head_hash, public_key, signature, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [jobId, head.rowCount, head.headHash, key.publicKeyHex, Hex.encode(signature), now])
    }

    static func currentHead(jobId: Int64, db: any SQLSession) throws -> LedgerHead? {
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM privacy_ledger WHERE job_id = ?", arguments: [jobId]) ?? 0
        guard count > 0, let hash = try String.fetchOne(db, sql: "SELECT row_hash FROM privacy_ledger WHERE job_id = ? ORDER BY id DESC LIMIT 1",
                                                         arguments: [jobId]) else { return nil }
        return LedgerHead(jobId: jobId, rowCount: count, headHash: hash)
    }

    /// The operator key that signs this database's releases, created on first use.
    func signingKey() throws -> OperatorKey { try OperatorKey.readOrCreate(at: operatorKeyPath) }

    /// Appends entries and signs the new head, in the caller's transaction.
    static func appendSignedLedger(_ entries: [LedgerEntry], jobId: Int64, key: @autoclosure () throws -> OperatorKey,
                                   db: any SQLSession) throws {
        guard !entries.isEmpty else { return }
        try appendLedger(entries, jobId: jobId, db: db)
        try signLedgerHead(jobId: jobId, key: try key(), db: db)
    }

    /// A job's recorded signatures, oldest first.
    public func ledgerSignatures(jobId: Int64) throws -> [LedgerSignatureRecord] {
        try engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM ledger_signatures WHERE job_id = ? ORDER BY id", arguments: [jobId]).map { r in
                LedgerSignatureRecord(id: r["id"], head: LedgerHead(jobId: r["job_id"], rowCount: r["row_count"], headHash: r["head_hash"]),
                                      publicKey: r["public_key"], signature: r["signature"], createdAt: r["created_at"])
            }
        }
    }

    /// Checks job `jobId`'s signatures against `operatorPublicKey` (64 hex digits, from a
    /// source the auditor trusts — never from this database): each must verify, each signed
    /// (count, head) must still be a prefix of the chain, and the latest must cover every row.
    /// The hash chain itself is checked by `verifyLedgerChain`; together they show the ledger
    /// is the one the operator signed.
    public func verifyLedgerSignatures(jobId: Int64, operatorPublicKey: String) throws -> LedgerSignatureFinding {
        let expected = try OperatorKey.publicKey(hex: operatorPublicKey)
        let rows = try ledger(jobId: jobId)
        let signatures = try ledgerSignatures(jobId: jobId)
        if signatures.isEmpty { return rows.isEmpty ? .emptyLedger : .unsigned(rows: rows.count) }
        if let foreign = signatures.first(where: { $0.publicKey.lowercased() != expected }) {
            return .foreignKey(recorded: foreign.publicKey, expected: expected)
        }
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: Hex.decode(expected)!)
        for s in signatures {
            guard let bytes = Hex.decode(s.signature.lowercased()), key.isValidSignature(bytes, for: s.head.message) else {
                return .badSignature(signatureId: s.id, rowCount: s.head.rowCount)
            }
        }
        var intactThrough = 0
        for s in signatures.sorted(by: { ($0.head.rowCount, $0.id) < ($1.head.rowCount, $1.id) }) {
            let count = s.head.rowCount
            guard count >= 1, count <= rows.count, rows[count - 1].rowHash == s.head.headHash else {
                return .rewritten(afterRow: intactThrough, signedCount: count, rows: rows.count)
            }
            intactThrough = count
        }
        if intactThrough < rows.count { return .unsignedSuffix(signedRows: intactThrough, rows: rows.count) }
        return .verified(signatures: signatures.count, rows: rows.count)
    }
}
