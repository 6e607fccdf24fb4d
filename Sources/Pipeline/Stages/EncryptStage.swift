import DifferentialPrivacy
import HomomorphicEncryption
import Randomness

/// A client encrypts its update under the epoch's collective public key before it leaves the
/// device: the (DP-SGD-trained, or clipped) delta, plus under client-level DP its share
/// N(0, σ²C²/k) of the aggregate's noise (`DPFedAvg.addDistributedNoiseShare`, k = the round's
/// cohort, stream `round/R/noise-share` of the client's root), packed into ⌈P / slots⌉ ciphertexts
/// (stream `he/round/R/encrypt` of the client's root). The payload becomes the serialized ciphertexts.
///
/// The stage's `plan` makes the collective key when the round starts a key epoch.
///
/// DP + HE + MPC (`secure_aggregation: additive`): the share-holders decrypt, so clients may drop
/// out; a client that drops (by `dropout_rate` or named in `dropouts`, see `RoundDropouts`) sends
/// nothing. Under client-level DP each client's noise share is N(0, σ²C²/m) for the m survivors
/// the round guarantees (`GuaranteedSurvivors`), so the sum carries at least the central noise
/// σC whoever drops; a round with fewer than m survivors fails.
public struct EncryptStage: RoundStage {
    public let name = StageName.encrypt
    public let scope = StageScope.perClient

    public init() {}

    /// The epoch's collective key (made when the round starts an epoch), the round's dropouts
    /// and its guaranteed survivors, fixed before any client encrypts.
    public func plan(_ state: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        guard var he = state.he else { preconditionFailure("encrypt plans an HE job's round") }
        // The epoch's key is made at its first round, whether or not anyone encrypts in it.
        var metrics = try he.ensureKey(round: state.round, job: job)
        guard !state.selectedClients.isEmpty else {
            he.roundPlan = nil
            state.he = he
            return metrics  // an empty Poisson cohort: `decrypt` releases the aggregator's noise alone
        }
        var dropouts: RoundDropouts?
        var noiseParties = state.selectedClients.count
        if he.setup.shareHolders != nil {
            let planned = RoundDropouts.plan(round: state.round, selected: state.selectedClients, privacy: job.manifest.privacy,
                                             streams: job.publicStreams)
            noiseParties = GuaranteedSurvivors.count(selected: planned.selected.count, privacy: job.manifest.privacy,
                                                     clientsPerRound: job.manifest.federation.clientsPerRound, configuration: nil)
            guard planned.survivors.count >= noiseParties else { throw planned.tooFewSurvivors(stage: name, threshold: noiseParties) }
            metrics += planned.warningMetrics
            dropouts = planned
        }
        if he.setup.clientLevelDP { metrics.append(StageMetric("noise_parties", Double(noiseParties), "count")) }
        he.roundPlan = HERoundPlan(round: state.round, dropouts: dropouts, noiseParties: noiseParties)
        state.he = he
        return metrics
    }

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        guard let client, var he = state.he, let key = he.current, let roundPlan = he.roundPlan, roundPlan.round == state.round else {
            preconditionFailure("encrypt runs per client of an HE job, after its plan")
        }
        var metrics: [StageMetric] = []
        guard let update = state.onDevice.removeValue(forKey: client), case .plain(var delta) = update.payload else {
            throw PipelineError.stage(name.rawValue, "client \(client) has no plaintext update to encrypt")
        }
        if let dropouts = roundPlan.dropouts {
            if dropouts.dropped.contains(client) {
                return [StageMetric("dropped", 1, "count")]  // the client leaves before uploading
            }
            metrics.append(StageMetric("dropped", 0, "count"))
        }
        if he.setup.clientLevelDP {
            guard let plan = job.privacyPlan else { preconditionFailure("client-level DP needs a privacy plan") }
            var noise = job.streams(.client(client)).generator("round/\(state.round)/noise-share")
            DPFedAvg.addDistributedNoiseShare(to: &delta, noiseMultiplier: plan.noiseMultiplier, maxNorm: plan.maxGradNorm,
                                              parties: roundPlan.noiseParties, using: &noise)
        }
        he.clients.simulationPlainUpdates[client] = delta
        let codec = he.setup.codec
        var rng = job.streams(.client(client)).generator("he/round/\(state.round)/encrypt")
        let vector: EncryptedVector
        do {
            vector = try codec.encrypt(delta, publicKey: key.publicKey, rng: &rng, threads: job.manifest.threads)
        } catch {
            throw PipelineError.stage(name.rawValue, "client \(client): \(error)")
        }
        let wire = EncryptedUpdate(valueCount: delta.count, epoch: key.epoch, keyID: key.keyID,
                                   ciphertexts: codec.wireForm(of: vector))
        var protected = update
        protected.payload = .encrypted(wire)
        state.outbox.append(protected)
        state.he = he
        return metrics + [StageMetric("ciphertexts", Double(wire.ciphertexts.count), "count")]
    }
}
