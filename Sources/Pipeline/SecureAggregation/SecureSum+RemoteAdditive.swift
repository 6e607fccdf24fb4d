import Provisioning
import ResultsStore
import SecureComputation
import Wire

/// Additive secure aggregation when the clients are agents and the M share-holders are parties
/// on machines of their own (`privfed share-holder`), all reached over the orchestrator's link.
/// The round is two calls: every agent still in the round seals its M shares, one for each
/// holder's key (`AdditiveShareRequest` → `SealedShares`, signed, recorded in
/// `upload_signatures`); then each holder is sent its sealed share of every accepted client
/// and answers with its partial sum, signed (`HolderSumRequest` → `PartialSumMessage`). The
/// orchestrator relays ciphertexts it cannot open, and its view is the simulation's: the M
/// partial sums.
///
/// An agent that does not answer — killed, cut off, late, refusing, or whose upload does not
/// verify — is a dropout: the round sums the others, as long as `agentsQuorum` of them remain.
/// Every holder is needed (n-of-n sharing): a missing holder fails the round, by name.
extension SecureSum {
    /// What one remote round of additive sharing gave: the holders' partial sums (the
    /// aggregator's view, as in simulation), the clients they sum (job ids, ascending), metrics.
    struct RemoteAdditiveOutcome {
        var partialSums: [PartialSumMessage]
        var included: [Int]
        var metrics: [StageMetric]
    }

    static func remoteAdditiveRound(plan: SecureAggregationRoundPlan, state: inout RoundState, job: PreparedJob,
                                    remote: any RemoteClients) throws -> RemoteAdditiveOutcome {
        let round = state.round, clients = plan.clients
        guard let holders = remote.shareHolders, holders.keys.count == plan.holders else {
            throw PipelineError.stage(StageName.aggregate.rawValue, "round \(round): the job needs \(plan.holders) share-holders on the link, "
                                      + "it has \(remote.shareHolders?.keys.count ?? 0)")
        }
        let deadline = Duration.milliseconds(Int(job.manifest.federation.roundTimeoutSeconds * 1000))
        var bytes = (sent: 0, received: 0)
        var missing: [String] = []

        let requests = Dictionary(uniqueKeysWithValues: clients.map {
            ($0, AdditiveShareRequest(jobId: remote.jobId, client: $0, round: round, summands: clients.count, holders: holders.keys).encoded())
        })
        bytes.sent += requests.values.reduce(0) { $0 + $1.count }
        let answers = remote.call(requests, deadline: deadline)
        if let signal = remote.stopSignal { throw PipelineError.interrupted(signal: signal) }
        var accepted: [(client: Int, shares: SealedShares, certificatePEM: String, bytes: Int)] = []
        for client in clients {
            let agent = remote.agent(of: client)
            switch answers[client] {
            case .success(let answer):
                bytes.received += answer.body.count
                let reply: AgentStepReply, shares: SealedShares
                do {
                    reply = try AgentStepReply.decode(answer.body)
                    shares = try SealedShares.decode(reply.message)
                    guard shares.client == client, shares.round == round, shares.shares.map(\.holder) == Array(0..<plan.holders) else {
                        throw RemoteFailure("its shares are for client \(shares.client), round \(shares.round), holders \(shares.shares.map(\.holder))")
                    }
                } catch { missing.append("\(agent) (its shares do not read: \(error))"); continue }
                let statement = UploadStatement(jobId: remote.jobId, manifestSha256: remote.manifestSha256, round: round, client: client,
                                                deltaSha256: shares.sha256)
                let refusal = statement.refusal(signature: reply.signature, certificatePEM: answer.certificatePEM, agent: agent)
                state.uploads.append(UploadRecord(round: round, client: client, agent: agent, deltaSha256: statement.deltaSha256,
                                                  signature: Hex.encode(reply.signature), certificatePEM: answer.certificatePEM,
                                                  verdict: refusal.map { "refused: \($0)" } ?? UploadRecord.accepted))
                if let refusal { missing.append("\(agent) (refused its upload: \(refusal))") } else {
                    accepted.append((client, shares, answer.certificatePEM, reply.message.count))
                }
            case .failure(let failure): missing.append("\(agent) (\(failure.reason))")
            case nil: missing.append("\(agent) (no reply)")
            }
        }
        let quorum = SecureAggregationRoundState.agentsQuorum(job.manifest)
        guard accepted.count >= quorum else {
            throw PipelineError.stage(StageName.aggregate.rawValue, "round \(round): \(accepted.count) of \(clients.count) agents sealed their "
                                      + "shares, fewer than the \(quorum) a round needs; missing: " + missing.joined(separator: "; "))
        }

        let included = accepted.map(\.client)
        var bodies: [Int: [UInt8]] = [:]
        for h in 0..<plan.holders {
            let contributions = accepted.map {
                HolderContribution(client: $0.client, roundKey: $0.shares.roundKey, share: $0.shares.shares[h], certificatePEM: $0.certificatePEM)
            }
            bodies[h] = HolderSumRequest(jobId: remote.jobId, holder: h, round: round, manifestText: holders.manifestText,
                                         contributions: contributions).encoded()
        }
        bytes.sent += bodies.values.reduce(0) { $0 + $1.count }
        if let signal = remote.stopSignal { throw PipelineError.interrupted(signal: signal) }
        var metrics: [StageMetric] = []
        let partials = try holders.callEvery(bodies, deadline: deadline, stage: .aggregate, round: round,
                                             needs: "additive sharing needs all \(plan.holders) share-holders' partial sums") { h, reply, certificatePEM in
            let name = holders.names[h]
            let partial = try PartialSumMessage.decode(reply.message)
            guard partial.holder == h, partial.clients == included else {
                throw RemoteFailure("its sum is holder \(partial.holder)'s over clients \(partial.clients), not holder \(h)'s over \(included)")
            }
            let statement = PartialSumStatement(jobId: remote.jobId, manifestSha256: remote.manifestSha256, round: round, holder: h,
                                                partialSumSha256: Digest.sha256Hex(reply.message))
            guard ParticipantSignature.participant(of: certificatePEM)?.name == name,
                  ParticipantSignature.isValid(reply.signature, on: statement.bytes, certificatePEM: certificatePEM) else {
                throw RemoteFailure("its partial sum is not signed by \(name)")
            }
            let sent = reply.encoded().count
            bytes.received += sent
            metrics += [StageMetric("holder_\(h)_bytes_received", Double(bodies[h]!.count), "bytes"),
                        StageMetric("holder_\(h)_bytes_sent", Double(sent), "bytes")]
            return partial
        }
        let members = Double(max(clients.count, 1))
        return RemoteAdditiveOutcome(partialSums: partials, included: included, metrics: metrics + [
            StageMetric("additive_dropouts", Double(clients.count - accepted.count), "count"),
            StageMetric("bytes_per_client", Double(requests.values.reduce(0) { $0 + $1.count } + accepted.reduce(0) { $0 + $1.bytes }) / members, "bytes"),
            StageMetric("server_bytes", Double(bytes.sent + bytes.received), "bytes"),
        ])
    }
}
