import Foundation
import Pipeline
import Provisioning
import ResultsStore

/// The `upload_signatures` check of a `deployment: agents` job (issue 14): every update the
/// orchestrator aggregated came signed by the agent whose slot it filled.
///
/// For each accepted upload the audit rebuilds the `UploadStatement` from the records alone (the
/// job's id, the recorded manifest text's SHA-256, the round, the client, the delta's SHA-256)
/// and verifies the recorded ECDSA P-256 signature with the recorded certificate, which must name
/// the agent; under DP the delta's SHA-256 must be the ledger row's `output_sha256` for that
/// client and round, so the ledger's releases are the agents' signed ones. Every round must have
/// one accepted upload per client that did not drop out. A forged, re-signed or swapped row fails.
/// Under SecAgg the uploads are the masked inputs, one accepted per client in the round's sum.
struct UploadSignatureAudit {
    let database: ResultsDatabase

    func finding(job: JobRecord, manifest: JobManifest) throws -> AuditFinding? {
        guard manifest.federation.deployment == .agents, let jobId = job.id else { return nil }
        let uploads = try database.uploads(jobId: jobId)
        let ledger = Dictionary(try database.ledger(jobId: jobId).filter { $0.entry.decision == "released" }
            .map { ("\($0.entry.round)/\($0.entry.party)", $0.entry.outputSha256) }) { first, _ in first }
        let trained = try database.metrics(jobId: jobId).filter { $0.stage == StageName.localTrain.rawValue && $0.name == "samples" && $0.client != nil && $0.round > 0 }
        // Under SecAgg an agent's upload is its masked input (signed over its frame's SHA-256): the
        // orchestrator never sees the delta the agent's ledger released, and a client that trained
        // may leave the protocol before its masked input. Every round's included clients must then
        // have an accepted upload each.
        // Under HE the upload is the encrypted update (signed over its frame's SHA-256), which
        // the ledger's release hash (the agent's delta) cannot match either; with additive
        // sharing as well (DP + HE + MPC) the share-holders hold the key, not the updates.
        let encrypted = manifest.privacy.homomorphicEncryption
        let secure = manifest.privacy.secureAggregation != .none && !encrypted
        var problems: [String] = []
        let accepted = uploads.filter { $0.verdict == UploadRecord.accepted }
        let manifestSha = Digest.sha256Hex(job.manifestText)
        for upload in accepted {
            let at = "round \(upload.round) client \(upload.client)"
            guard ParticipantSignature.participant(of: upload.certificatePEM)?.name == upload.agent else {
                problems.append("\(at): the recorded certificate does not name \(upload.agent)"); continue
            }
            let statement = UploadStatement(jobId: UInt64(jobId), manifestSha256: manifestSha, round: upload.round, client: upload.client,
                                            deltaSha256: upload.deltaSha256)
            guard let signature = Hex.decode(upload.signature),
                  ParticipantSignature.isValid(signature, on: statement.bytes, certificatePEM: upload.certificatePEM) else {
                problems.append("\(at): \(upload.agent)'s signature does not verify on this job, round, client and delta"); continue
            }
            if manifest.privacy.differentialPrivacy, !secure, !encrypted, let released = ledger["\(upload.round)/client/\(upload.client)"], released != upload.deltaSha256 {
                problems.append("\(at): the signed delta \(upload.deltaSha256.prefix(12))… is not the ledger's release \((released ?? "none").prefix(12))…")
            }
        }
        let signed = Set(accepted.map { "\($0.round)/\($0.client)" })
        if secure {
            let included = try database.metrics(jobId: jobId).filter { $0.stage == StageName.aggregate.rawValue && $0.name == "included_clients" && $0.round > 0 }
            for metric in included where accepted.filter({ $0.round == metric.round }).count != Int(metric.value) {
                problems.append("round \(metric.round): \(Int(metric.value)) clients' inputs summed, \(accepted.filter { $0.round == metric.round }.count) accepted signed uploads")
            }
        } else {
            // Under DP + HE + MPC an agent that trained may drop before it uploads (`encrypt`'s `dropped`).
            let dropped = Set(try database.metrics(jobId: jobId).filter { $0.stage == StageName.encrypt.rawValue && $0.name == "dropped" && $0.value > 0 }
                .compactMap { metric in metric.client.map { "\(metric.round)/\($0)" } })
            for metric in trained where !signed.contains("\(metric.round)/\(metric.client!)") && !dropped.contains("\(metric.round)/\(metric.client!)") {
                problems.append("round \(metric.round) client \(metric.client!): aggregated with no accepted signed upload")
            }
        }
        let refused = uploads.count - accepted.count
        guard problems.isEmpty else {
            return AuditFinding("upload_signatures", false, problems.prefix(5).joined(separator: "; ") + (problems.count > 5 ? " (and \(problems.count - 5) more)" : ""))
        }
        return AuditFinding("upload_signatures", true, "\(accepted.count) uploads carry their agent's verified ECDSA P-256 signature"
                            + (secure ? (manifest.privacy.secureAggregation == .additive ? " on the sealed shares in its round's sum"
                                         : " on the masked input in its round's sum") : encrypted ? " on the encrypted update"
                               : manifest.privacy.differentialPrivacy ? " on the delta the ledger records" : "")
                            + (refused > 0 ? "; \(refused) refused uploads recorded" : ""))
    }
}
