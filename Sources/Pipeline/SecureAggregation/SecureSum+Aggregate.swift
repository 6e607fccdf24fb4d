import Randomness
import SecureComputation

/// Stage `aggregate` of a secure-aggregation job: the step that sums the protected inputs without
/// anyone seeing one in the clear. The aggregator's output is a ring sum (or its parts), never a
/// model: `reconstruct` turns it into the new global model.
///
/// - additive: each share-holder h sums the shares in its own inbox (`AdditiveShareHolder`) and
///   sends the aggregator one `PartialSumMessage` through the job's `Transport`; the aggregator's
///   view is those M messages as decoded.
/// - secagg / secagg_plus: the SecAgg protocol (Bonawitz et al. 2017, figure 4; Bell et al. 2020
///   for the sparse graph) between the clients' devices and the server, as explicit message rounds
///   carried by the job's `Transport` on the common frame
///   (`SecAggRound`: advertise keys, share keys, masked input, unmasking), with the planned
///   dropouts leaving after the key exchange, before their masked input — the case that needs the
///   server to rebuild their pairwise masks from Shamir shares. The server's output is the
///   unmasked ring sum of the survivors. Randomness: each party's own secret root (`randomness`).
///
/// Fewer than t survivors make the protocol throw `tooFewSurvivors`; the job fails with the
/// library's reason followed by the round, its survivors, the dropped clients and t.
/// Metrics are byte counts and client counts only (reproducible); the protocol's wall-clock
/// recovery time is part of this stage's recorded duration.
extension SecureSum {
    /// Protocol client i is job client `clients[i]`: it draws from stream `round/R/secagg` of its
    /// own secret root; the server draws the SecAgg+ graph from the aggregator's.
    static func randomness(parties: Federation, round: Int, clients: [Int]) -> SecAggPartyRandomness {
        let own = clients.map { parties.clients[$0].streams }
        return SecAggPartyRandomness(server: parties.aggregator.generator("round/\(round)/secagg/graph"),
                                     client: { own[$0].generator("round/\(round)/secagg") })
    }

    /// The SecAgg messages cross the job's `Transport`: protocol client i is job client
    /// `clients[i]`, the server is the aggregator.
    static func carrier(_ transport: any Transport, clients: [Int]) -> SecAggCarrier {
        { bytes, from, to in
            func party(_ endpoint: SecAggEndpoint) -> Party {
                switch endpoint {
                case .server: return .aggregator
                case .client(let i): return .client(clients[i])
                }
            }
            return try transport.carry(bytes, from: party(from), to: party(to))
        }
    }

    public mutating func aggregate(_ state: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        guard var round else {
            if state.cohortIsEmpty(job: job) { return [StageMetric("included_clients", 0, "count")] }  // nothing to sum
            throw PipelineError.stage(StageName.aggregate.rawValue, "round \(state.round) has no secure-aggregation inputs (no client was selected)")
        }
        let plan = round.plan
        let parameters = state.global.parameters.count
        var metrics = [StageMetric("dropouts", Double(plan.dropped.count), "count")]
        switch plan.scheme {
        case .additive:
            if let remote = job.remoteClients {
                let outcome = try Self.remoteAdditiveRound(plan: plan, state: &state, job: job, remote: remote)
                round.aggregatorView.partialSums = outcome.partialSums
                round.aggregatorView.includedClients = outcome.included
                metrics += outcome.metrics
                break
            }
            var partials: [PartialSumMessage] = []
            var serverBytes = 0
            for holder in state.parties.shareHolders.indices {
                let inbox = state.parties.shareHolders[holder].inbox
                var shareHolder = AdditiveShareHolder(holder: holder, parameters: parameters)
                for message in inbox { try shareHolder.receive(message) }
                let delivery = try job.transport.deliver(shareHolder.partialSum(), from: .shareHolder(holder), to: .aggregator)
                partials.append(delivery.message)
                serverBytes += delivery.bytes
                metrics.append(StageMetric("holder_\(holder)_bytes_received", Double(state.parties.shareHolders[holder].bytesReceived), "bytes"))
                metrics.append(StageMetric("holder_\(holder)_bytes_sent", Double(delivery.bytes), "bytes"))
            }
            for h in state.parties.shareHolders.indices { state.parties.shareHolders[h].inbox = [] }
            round.aggregatorView.partialSums = partials
            round.aggregatorView.includedClients = partials.first?.clients ?? []
            metrics.append(StageMetric("server_bytes", Double(serverBytes), "bytes"))
        case .secagg, .secaggPlus:
            guard let configuration = plan.configuration else { preconditionFailure("secagg without a configuration") }
            if let remote = job.remoteClients {
                let outcome = try Self.remoteRound(configuration: configuration, plan: plan, state: &state, job: job, remote: remote)
                round.aggregatorView.ringSum = outcome.ringSum
                round.aggregatorView.includedClients = outcome.included
                metrics += outcome.metrics
                break
            }
            let inputs = try plan.clients.map { client -> [UInt64] in
                guard let input = state.parties.clients[client].secAggInput else {
                    throw PipelineError.stage(StageName.aggregate.rawValue, "client \(client) produced no secure-aggregation input")
                }
                return input
            }
            var points: [Int: SecAggDropoutPoint] = [:]
            for (id, client) in plan.clients.enumerated() where plan.dropped.contains(client) { points[id] = .beforeMaskedInput }
            let outcome: SecureAggregationOutcome
            do {
                outcome = try SecAggRound.run(configuration: configuration, encodedInputs: inputs, dropouts: SecAggDropouts(points),
                                              randomness: Self.randomness(parties: state.parties, round: state.round, clients: plan.clients),
                                              threads: job.manifest.threads, carry: Self.carrier(job.transport, clients: plan.clients))
            } catch let error as SecureComputationError {
                guard case .tooFewSurvivors = error else { throw error }
                throw plan.dropouts.tooFewSurvivors(stage: .aggregate, threshold: configuration.threshold, reason: "\(error)")
            }
            for client in plan.clients { state.parties.clients[client].secAggInput = nil }
            round.aggregatorView.ringSum = outcome.ringSum
            round.aggregatorView.includedClients = outcome.includedClients.map { plan.clients[$0] }
            let traffic = outcome.traffic
            metrics += [
                StageMetric("threshold", Double(configuration.threshold), "count"),
                StageMetric("neighbors", Double(configuration.neighbors), "count"),
                StageMetric("bytes_per_client", traffic.meanBytesPerClient, "bytes"),
                StageMetric("max_client_bytes_sent", Double(traffic.maxClientSent), "bytes"),
                StageMetric("server_bytes", Double(traffic.serverBytes), "bytes"),
            ]
        case .none:
            preconditionFailure("secure sum without secure aggregation")
        }
        metrics.append(StageMetric("included_clients", Double(round.aggregatorView.includedClients.count), "count"))
        self.round = round
        return metrics
    }
}
