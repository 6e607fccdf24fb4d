import DifferentialPrivacy
import HomomorphicEncryption
import Randomness

/// Stage `encrypt`: a client encrypts its update under the epoch's collective public key before it
/// leaves the device: the (DP-SGD-trained, or clipped) delta, plus under client-level DP its share
/// N(0, σ²C²/k) of the aggregate's noise (`DPFedAvg.addDistributedNoiseShare`, k = the round's
/// cohort, stream `round/R/noise-share` of the client's root), packed into ⌈P / slots⌉ ciphertexts
/// (stream `he/round/R/encrypt` of the client's root). The payload becomes the serialized ciphertexts.
///
/// `plan` makes the collective key when the round starts a key epoch (even when the round's
/// Poisson cohort is empty: the key belongs to its epoch's first round).
///
/// DP + HE + MPC (`secure_aggregation: additive`): the share-holders decrypt, so clients may drop
/// out; a client that drops (by `dropout_rate` or named in `dropouts`, see `RoundDropouts`) sends
/// nothing. Under client-level DP each client's noise share is N(0, σ²C²/m) for the m survivors
/// the round guarantees (`GuaranteedSurvivors`), so the sum carries at least the central noise
/// σC whoever drops; a round with fewer than m survivors fails.
extension HomomorphicAggregation {
    /// The epoch's collective key (made when the round starts an epoch), the round's dropouts
    /// and its guaranteed survivors, fixed before any client encrypts.
    public mutating func plan(_ state: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        var metrics = try ensureKey(round: state.round, job: job, parties: &state.parties)
        guard !state.selectedClients.isEmpty else {
            roundPlan = nil
            return metrics  // an empty Poisson cohort: `release` gives the aggregator's noise alone
        }
        var dropouts: RoundDropouts?
        var noiseParties = state.selectedClients.count
        if setup.shareHolders != nil {
            let planned = RoundDropouts.plan(round: state.round, selected: state.selectedClients, privacy: job.manifest.privacy,
                                             streams: job.publicStreams)
            noiseParties = GuaranteedSurvivors.count(selected: planned.selected.count, privacy: job.manifest.privacy,
                                                     clientsPerRound: job.manifest.federation.clientsPerRound, configuration: nil)
            guard planned.survivors.count >= noiseParties else { throw planned.tooFewSurvivors(stage: .encrypt, threshold: noiseParties) }
            metrics += planned.warningMetrics
            dropouts = planned
        }
        if setup.clientLevelDP { metrics.append(StageMetric("noise_parties", Double(noiseParties), "count")) }
        roundPlan = HERoundPlan(round: state.round, dropouts: dropouts, noiseParties: noiseParties)
        return metrics
    }

    public mutating func protect(_ update: ClientUpdateMessage, round state: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        let client = update.client
        guard let key = current, let roundPlan, roundPlan.round == state.round, case .plain(var delta) = update.payload,
              let publicKey = state.parties.clients[client].hePublicKey else {
            preconditionFailure("encrypt protects a plain update of an HE round, after its plan")
        }
        var metrics: [StageMetric] = []
        if let dropouts = roundPlan.dropouts {
            if dropouts.dropped.contains(client) {
                return [StageMetric("dropped", 1, "count")]  // the client leaves before uploading
            }
            metrics.append(StageMetric("dropped", 0, "count"))
        }
        if setup.clientLevelDP {
            guard let plan = job.privacyPlan else { preconditionFailure("client-level DP needs a privacy plan") }
            var noise = state.parties.clients[client].streams.generator("round/\(state.round)/noise-share")
            DPFedAvg.addDistributedNoiseShare(to: &delta, noiseMultiplier: plan.noiseMultiplier, maxNorm: plan.maxGradNorm,
                                              parties: roundPlan.noiseParties, using: &noise)
        }
        simulatorPlainUpdates[client] = delta
        let codec = setup.codec
        var rng = state.parties.clients[client].streams.generator("he/round/\(state.round)/encrypt")
        let vector: EncryptedVector
        do {
            vector = try codec.encrypt(delta, publicKey: publicKey, rng: &rng, threads: job.manifest.threads)
        } catch {
            throw PipelineError.stage(StageName.encrypt.rawValue, "client \(client): \(error)")
        }
        let wire = EncryptedUpdate(valueCount: delta.count, epoch: key.epoch, keyID: publicKey.keyID,
                                   ciphertexts: codec.wireForm(of: vector))
        var protected = update
        protected.payload = .encrypted(wire)
        state.outbox.append(protected)
        return metrics + [StageMetric("ciphertexts", Double(vector.ciphertexts.count), "count")]
    }
}
