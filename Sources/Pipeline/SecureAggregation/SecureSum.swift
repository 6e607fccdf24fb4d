import DifferentialPrivacy
import Randomness
import SecureComputation

/// The round protocol of secure aggregation (additive sharing, SecAgg, SecAgg+): `plan` and
/// `protect` (stage `share`, this file), `aggregate` (SecureSum+Aggregate.swift), `release`
/// (stage `reconstruct`, SecureSum+Reconstruct.swift). Its state is the running round's
/// (`SecureAggregationRoundState`), planned afresh every round.
public struct SecureSum: RoundProtocol {
    /// The running round; nil before its plan and for an empty Poisson cohort.
    public internal(set) var round: SecureAggregationRoundState?

    public init() {}
}

/// Stage `share` (per client): the client turns its plain update into its secure-aggregation input,
/// and the plain update never leaves it.
///
/// - Weights: FedAvg weights are public sample counts, so the client multiplies its delta by
///   n_k (in float32) before encoding and `reconstruct` divides the sum by Σ n_k over the
///   survivors; the result is plaintext FedAvg over the surviving clients up to float32 rounding
///   of n_k·δ and the fixed-point step 2^−24. Client-level DP uses DP-FedAvg's uniform weights.
/// - Client-level DP: the aggregator never sees the sum before it is reconstructed, so it cannot
///   add the central noise; each client adds its share N(0, σ²C²/m) before sharing
///   (`DPFedAvg.addDistributedNoiseShare`, stream `round/R/noise-share` of the client's root), m being the
///   shares guaranteed to reach the sum (`GuaranteedSurvivors`: the threshold t for SecAgg, the
///   designed minimum of survivors for additive; never the dropouts that then happen). The release is decided (and put on the pending ledger, which the runner commits)
///   in the stage's `plan`, before any noisy share leaves a client.
///   Its ledger row has no `output_sha256`: the release is the sum of every surviving client's
///   noisy share, which exists only after `aggregate` has opened it, while the spend must be on
///   the ledger before the first share leaves its client. Moving the decision to `reconstruct`
///   would not keep the gate: by then the aggregator's view already holds the opened sum (the
///   SecAgg server's unmasked sum, or all M partial sums) whether or not the budget allows it,
///   and a crash after `aggregate` would let a re-execution add fresh noise to an unrecorded
///   release. Hashing the first client's share alone would bind nothing the others send. The
///   released model is bound instead by the round's recorded `global_model` SHA-256 and the
///   reproducible re-execution of `privfed audit --reproduce`.
/// - additive: the encoding is split into M additive shares (stream
///   `round/R/additive-shares` of the client's root), each carried by the job's `Transport` to its
///   share-holder's inbox; a dropped
///   client sends nothing. secagg: the encoding stays on the client for the SecAgg protocol that
///   `aggregate` runs.
extension SecureSum {
    /// The round's public plan (`SecureAggregationRoundState.plan`) and, under client-level DP,
    /// the release decision for the cohort's sum, before any noisy share leaves a client.
    public mutating func plan(_ state: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        if job.manifest.privacy.hidesCohort {
            state.pend(try state.admitRelease(of: .aggregator), released: nil)
        }
        // An empty Poisson cohort: `release` gives the aggregator's noise alone.
        guard !state.selectedClients.isEmpty else {
            round = nil
            return []
        }
        let plan = try SecureAggregationRoundState.plan(for: state, job: job)
        round = SecureAggregationRoundState(plan: plan)
        for h in state.parties.shareHolders.indices { state.parties.shareHolders[h].bytesReceived = 0 }
        var metrics = plan.dropouts.warningMetrics
        if let parties = plan.noiseParties { metrics.append(StageMetric("noise_parties", Double(parties), "count")) }
        return metrics
    }

    public mutating func protect(_ update: ClientUpdateMessage, round state: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        let client = update.client
        guard let plan = round?.plan, case .plain(var delta) = update.payload else {
            preconditionFailure("share protects a plain update of a secure-aggregation round, after its plan")
        }
        let clientDP = job.manifest.privacy.hidesCohort
        var metrics: [StageMetric] = []
        let sampleCount = update.sampleCount  // the plain update stays on the client
        if clientDP {
            let privacy = job.privacyPlan!
            var noise = state.parties.clients[client].streams.generator("round/\(state.round)/noise-share")
            DPFedAvg.addDistributedNoiseShare(to: &delta, noiseMultiplier: privacy.noiseMultiplier, maxNorm: privacy.maxGradNorm,
                                              parties: plan.noiseParties!, using: &noise)
        } else {
            let weight = Float(sampleCount)
            for i in delta.indices { delta[i] *= weight }
        }
        let dropped = plan.dropped.contains(client)
        metrics.append(StageMetric("dropped", dropped ? 1 : 0, "count"))
        switch plan.scheme {
        case .additive:
            guard !dropped else { return metrics + [StageMetric("bytes_sent", 0, "bytes")] }
            let scheme = try AdditiveAggregation(holders: plan.holders, encoding: plan.encoding)
            var generator = state.parties.clients[client].streams.generator("round/\(state.round)/additive-shares")
            var sent = 0
            for message in try scheme.protect(update: delta, client: client, using: &generator) {
                let delivery = try job.transport.deliver(message, from: .client(client), to: .shareHolder(message.holder))
                state.parties.shareHolders[message.holder].inbox.append(delivery.message)
                state.parties.shareHolders[message.holder].bytesReceived += delivery.bytes
                sent += delivery.bytes
            }
            metrics.append(StageMetric("bytes_sent", Double(sent), "bytes"))
        case .secagg, .secaggPlus:
            state.parties.clients[client].secAggInput = try plan.encoding.encode(delta)
        case .none:
            preconditionFailure("share without secure aggregation")
        }
        return metrics
    }
}
