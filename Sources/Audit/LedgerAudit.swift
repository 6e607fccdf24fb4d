import Foundation
import Pipeline
import ResultsStore

/// The privacy ledger checks of an audit: chain integrity, the operator's signature over the
/// head (`LedgerSignatureAudit`), completeness (a row for every round
/// and party that released an update), each row's parameters against the job's plan
/// (`LedgerPlanAudit`), ε recomputed from each row's own parameters, and the budget.
struct LedgerAudit {
    let database: ResultsDatabase
    /// The trusted operator public key for `ledger_signature` (nil: the operator key file).
    var operatorPublicKey: String? = nil

    func findings(job: JobRecord, manifest: JobManifest?) throws -> [AuditFinding] {
        let jobId = job.id!
        let rows = try database.ledger(jobId: jobId)
        var findings: [AuditFinding] = []
        let chain = try database.verifyLedgerChain(jobId: jobId)
        findings.append(AuditFinding("ledger_chain", chain.isIntact, chain.description))
        findings.append(LedgerSignatureAudit(database: database, operatorPublicKey: operatorPublicKey).finding(jobId: jobId))

        guard let manifest else { return findings }
        guard manifest.privacy.differentialPrivacy else {
            findings.append(AuditFinding("ledger_complete", rows.isEmpty, rows.isEmpty
                ? "differential privacy is off for this job: no privacy guarantee is claimed and the ledger is empty"
                : "differential privacy is off but the ledger has \(rows.count) rows"))
            return findings
        }
        findings.append(try completeness(jobId: jobId, rows: rows, unit: manifest.privacy.unit))
        findings.append(try LedgerPlanAudit(database: database).finding(job: job, manifest: manifest, rows: rows))
        findings += PrivacyRecomputation.findings(rows: rows, privacy: manifest.privacy)
        return findings
    }

    /// Every completed round must have exactly one `released` row per party that released an
    /// update: each selected client (unit example) or the aggregator (unit client). A secure-mode
    /// round that was interrupted after its releases and re-executed by a resumption (table
    /// `resumptions`) may carry one extra row per re-execution for any party: the interrupted
    /// releases stayed spent and the fresh ones are new spends (docs/deployment.md, Crash safety and resume).
    /// An agent that dropped out of a round (its `local_train` metric `dropout`, `deployment:
    /// agents`) released nothing that round and must have no row.
    func completeness(jobId: Int64, rows: [LedgerRow], unit: PrivacyUnit) throws -> AuditFinding {
        let (rounds, reruns, dropped) = try database.engine.read { db in
            (try SQLRow.fetchAll(db, sql: "SELECT round, selected_clients FROM rounds WHERE job_id = ? AND round > 0 AND status IN ('released', 'succeeded') ORDER BY round",
                              arguments: [jobId]),
             try SQLRow.fetchAll(db, sql: """
                SELECT checkpoint_round + 1 AS round, count(*) AS n FROM resumptions
                WHERE job_id = ? AND randomness = 'secure' AND interrupted_releases > 0 GROUP BY checkpoint_round
                """, arguments: [jobId]),
             try SQLRow.fetchAll(db, sql: "SELECT round, client FROM metrics WHERE job_id = ? AND stage = 'local_train' AND name = 'dropout' AND client IS NOT NULL",
                              arguments: [jobId]).map { "\($0["round"] as Int)/client/\($0["client"] as Int)" })
        }
        let droppedOut = Set(dropped)
        let rerunCount = Dictionary(uniqueKeysWithValues: reruns.map { ($0["round"] as Int, $0["n"] as Int) })
        var problems: [String] = []
        var expectedCount = 0
        for round in rounds {
            let r: Int = round["round"]
            let extra = rerunCount[r] ?? 0
            let selected = (try? JSONDecoder().decode([Int].self, from: Data((round["selected_clients"] as String).utf8))) ?? []
            let parties = unit == .client ? ["aggregator"] : selected.map { "client/\($0)" }.filter { !droppedOut.contains("\(r)/\($0)") }
            expectedCount += parties.count
            let present = rows.filter { $0.entry.round == r && $0.entry.decision == "released" }.map(\.entry.party)
            for party in parties where !(1...(1 + extra)).contains(present.filter({ $0 == party }).count) {
                problems.append("round \(r): \(present.filter { $0 == party }.count) ledger rows for \(party), expected 1" + (extra > 0 ? " to \(1 + extra)" : ""))
            }
            for party in Set(present) where !parties.contains(party) && present.filter({ $0 == party }).count > extra {
                problems.append("round \(r): ledger row for \(party), which released nothing that round")
            }
        }
        let dropNote = droppedOut.isEmpty ? "" : "; \(droppedOut.count) dropouts released nothing and have no row"
        let rerunNote = dropNote + (rerunCount.isEmpty ? "" : "; rounds \(rerunCount.keys.sorted().map(String.init).joined(separator: ", ")) were re-executed in secure mode after an interruption and their interrupted releases stay counted")
        return problems.isEmpty
            ? AuditFinding("ledger_complete", true, "\(expectedCount) releases over \(rounds.count) rounds each have their ledger row" + rerunNote)
            : AuditFinding("ledger_complete", false, problems.prefix(5).joined(separator: "; ") + (problems.count > 5 ? " (and \(problems.count - 5) more)" : ""))
    }
}
