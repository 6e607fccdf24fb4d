import Provisioning
import ResultsStore
import SecureComputation
import Wire

/// SecAgg / SecAgg+ when the clients are agents on their own machines (`deployment: agents`):
/// the orchestrator is the server (`SecAggServer`), each agent the user it runs (`AgentDevice`
/// answers `SecAggStepRequest`s), and every round of figure 4 of Bonawitz et al. 2017 is one
/// call of the link to every agent still in it, at once, within `round_timeout`. An agent that
/// does not answer a step — killed, cut off, late, or with a reply that does not check — leaves
/// the protocol at that step, exactly the dropouts the protocol is built for: before its keys are
/// shared nobody masks with it; after, the server rebuilds its pairwise masks from the others'
/// Shamir shares; after its masked input, its self mask. Fewer than t left fails the round,
/// naming who was missing and why.
///
/// The masked input is the agent's upload: it comes signed (`UploadStatement` over the SHA-256 of
/// its frame) with the key of the certificate its TLS session verified, and is recorded in
/// `upload_signatures` accepted or refused like a plain upload. What the orchestrator sees is what
/// the server of the protocol sees: public keys, encrypted shares, masked inputs, the shares it
/// asks for in unmasking, and the sum.
extension SecureSum {
    /// What one remote round gave: the ring sum of the included clients' inputs, those clients
    /// (job ids, ascending), and its metrics.
    struct RemoteOutcome {
        var ringSum: [UInt64]
        var included: [Int]
        var metrics: [StageMetric]
    }

    static func remoteRound(configuration: SecAggConfiguration, plan: SecureAggregationRoundPlan, state: inout RoundState,
                            job: PreparedJob, remote: any RemoteClients) throws -> RemoteOutcome {
        let clients = plan.clients, round = state.round
        var graphRandom = state.parties.aggregator.generator("round/\(round)/secagg/graph")
        let graph = SecAggGraph(configuration: configuration, using: &graphRandom)
        var server = SecAggServer(configuration: configuration, graph: graph)
        let deadline = Duration.milliseconds(Int(job.manifest.federation.roundTimeoutSeconds * 1000))
        var missing: [Int: String] = [:]
        var bytes = (sent: 0, received: 0)

        /// One step at every protocol id in `bodies`; the replies that arrived and read, by id.
        func step<Reply: WireMessage>(_ step: SecAggStep, _ bodies: [Int: [UInt8]], as: Reply.Type,
                                      id: (Reply) -> Int) throws -> [Int: (reply: Reply, signature: [UInt8], certificatePEM: String)] {
            var requests: [Int: [UInt8]] = [:]
            for (i, body) in bodies {
                requests[clients[i]] = SecAggStepRequest(jobId: remote.jobId, client: clients[i], round: round, step: step, body: body).encoded()
            }
            bytes.sent += requests.values.reduce(0) { $0 + $1.count }
            let answers = remote.call(requests, deadline: deadline)
            if let signal = remote.stopSignal { throw PipelineError.interrupted(signal: signal) }
            var replies: [Int: (reply: Reply, signature: [UInt8], certificatePEM: String)] = [:]
            for i in bodies.keys.sorted() {
                let client = clients[i]
                switch answers[client] {
                case .success(let answer):
                    bytes.received += answer.body.count
                    do {
                        let outer = try AgentStepReply.decode(answer.body)
                        let reply = try Reply.decode(outer.message)
                        guard id(reply) == i else { throw RemoteFailure("it answered as protocol client \(id(reply)), not \(i)") }
                        replies[i] = (reply, outer.signature, answer.certificatePEM)
                    } catch { missing[client] = "\(step): its reply does not read: \(error)" }
                case .failure(let failure): missing[client] = "\(step): \(failure.reason)"
                case nil: missing[client] = "\(step): no reply"
                }
            }
            return replies
        }

        do {
            let setups = Dictionary(uniqueKeysWithValues: clients.indices.map {
                ($0, SecAggRoundSetup(configuration: configuration, graph: graph, id: $0).encoded())
            })
            let adverts = try step(.advertiseKeys, setups, as: SecAggPublicKeys.self) { $0.client }
            let directories = try server.collectKeys(adverts.values.map(\.reply))
            let shares = try step(.shareKeys, directories.mapValues { $0.encoded() }, as: SecAggShareKeysMessage.self) { $0.client }
            let routed = try server.routeShares(shares.values.map(\.reply))
            let inputs = try step(.maskedInput, Dictionary(uniqueKeysWithValues: routed.map { ($0.key, SecAggRoutedShares(client: $0.key, shares: $0.value).encoded()) }),
                                  as: SecAggMaskedInput.self) { $0.client }
            var accepted: [SecAggMaskedInput] = []
            for (i, input) in inputs.sorted(by: { $0.key < $1.key }) {
                let client = clients[i], agent = remote.agent(of: client)
                let statement = UploadStatement(jobId: remote.jobId, manifestSha256: remote.manifestSha256, round: round, client: client,
                                                deltaSha256: input.reply.sha256)
                let refusal = statement.refusal(signature: input.signature, certificatePEM: input.certificatePEM, agent: agent)
                state.uploads.append(UploadRecord(round: round, client: client, agent: agent, deltaSha256: statement.deltaSha256,
                                                  signature: Hex.encode(input.signature), certificatePEM: input.certificatePEM,
                                                  verdict: refusal.map { "refused: \($0)" } ?? UploadRecord.accepted))
                if let refusal { missing[client] = "masked-input: refused its upload: \(refusal)" } else { accepted.append(input.reply) }
            }
            let request = try server.collectMaskedInputs(accepted)
            let unmasking = try step(.unmasking, Dictionary(uniqueKeysWithValues: accepted.map { ($0.client, request.encoded()) }),
                                     as: SecAggUnmaskingResponse.self) { $0.client }
            let ring = try server.unmask(unmasking.values.map(\.reply), threads: job.manifest.threads)
            let members = Double(max(clients.count, 1))
            return RemoteOutcome(ringSum: ring, included: server.uploaded.map { clients[$0] }, metrics: [
                StageMetric("threshold", Double(configuration.threshold), "count"),
                StageMetric("neighbors", Double(configuration.neighbors), "count"),
                StageMetric("secagg_dropouts", Double(missing.count), "count"),
                StageMetric("bytes_per_client", Double(bytes.sent + bytes.received) / members, "bytes"),
                StageMetric("server_bytes", Double(bytes.sent + bytes.received), "bytes"),
            ])
        } catch let error as SecureComputationError {
            let who = missing.sorted { $0.key < $1.key }.map { "\(remote.agent(of: $0.key)) (\($0.value))" }
            throw PipelineError.stage(StageName.aggregate.rawValue, "round \(round): secure aggregation over the agents stopped: \(error)"
                                      + (who.isEmpty ? "" : "; missing: " + who.joined(separator: "; ")))
        }
    }
}

extension UploadStatement {
    /// Why `signature` is not `agent`'s on this statement, or nil when it is: the certificate its
    /// TLS session verified must name the agent, and the ECDSA P-256 signature verify with its key.
    func refusal(signature: [UInt8], certificatePEM: String, agent: String) -> String? {
        guard ParticipantSignature.participant(of: certificatePEM)?.name == agent else {
            return "the certificate of its session does not name \(agent)"
        }
        guard ParticipantSignature.isValid(signature, on: bytes, certificatePEM: certificatePEM) else {
            return "its signature does not verify with \(agent)'s certificate on this job, round, client and upload"
        }
        return nil
    }
}
