import Foundation
import GRDB
import Pipeline
import ResultsStore

/// The privacy ledger checks of an audit: chain integrity, completeness (a row for every round
/// and party that released an update), ε recomputed from each row's own parameters, and the budget.
struct LedgerAudit {
    let database: ResultsDatabase

    func findings(job: JobRecord, manifest: JobManifest?) throws -> [AuditFinding] {
        let jobId = job.id!
        let rows = try database.ledger(jobId: jobId)
        var findings: [AuditFinding] = []
        let chain = try database.verifyLedgerChain(jobId: jobId)
        findings.append(AuditFinding("ledger_chain", chain.isIntact, chain.description))

        guard let manifest else { return findings }
        guard manifest.privacy.differentialPrivacy else {
            findings.append(AuditFinding("ledger_complete", rows.isEmpty, rows.isEmpty
                ? "differential privacy is off for this job: no privacy guarantee is claimed and the ledger is empty"
                : "differential privacy is off but the ledger has \(rows.count) rows"))
            return findings
        }
        findings.append(try completeness(jobId: jobId, rows: rows, unit: manifest.privacy.unit))
        findings += PrivacyRecomputation.findings(rows: rows, privacy: manifest.privacy)
        return findings
    }

    /// Every completed round must have exactly one `released` row per party that released an
    /// update: each selected client (unit example) or the aggregator (unit client).
    func completeness(jobId: Int64, rows: [LedgerRow], unit: PrivacyUnit) throws -> AuditFinding {
        let rounds = try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT round, selected_clients FROM rounds WHERE job_id = ? AND round > 0 AND status IN ('released', 'succeeded') ORDER BY round",
                             arguments: [jobId])
        }
        var problems: [String] = []
        var expectedCount = 0
        for round in rounds {
            let r: Int = round["round"]
            let selected = (try? JSONDecoder().decode([Int].self, from: Data((round["selected_clients"] as String).utf8))) ?? []
            let parties = unit == .client ? ["aggregator"] : selected.map { "client/\($0)" }
            expectedCount += parties.count
            let present = rows.filter { $0.entry.round == r && $0.entry.decision == "released" }.map(\.entry.party)
            for party in parties where present.filter({ $0 == party }).count != 1 {
                problems.append("round \(r): \(present.filter { $0 == party }.count) ledger rows for \(party), expected 1")
            }
            for party in Set(present) where !parties.contains(party) {
                problems.append("round \(r): ledger row for \(party), which released nothing that round")
            }
        }
        return problems.isEmpty
            ? AuditFinding("ledger_complete", true, "\(expectedCount) releases over \(rounds.count) rounds each have their ledger row")
            : AuditFinding("ledger_complete", false, problems.prefix(5).joined(separator: "; ") + (problems.count > 5 ? " (and \(problems.count - 5) more)" : ""))
    }
}
