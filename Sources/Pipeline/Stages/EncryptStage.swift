import DifferentialPrivacy
import HomomorphicEncryption
import Randomness

/// A client encrypts its update under the epoch's collective public key before it leaves the
/// device: the (DP-SGD-trained, or clipped) delta, plus under client-level DP its share
/// N(0, σ²C²/k) of the aggregate's noise (`DPFedAvg.addDistributedNoiseShare`, k = the round's
/// cohort, stream `round/R/noise-share` of the client's root), packed into ⌈P / slots⌉ ciphertexts
/// (stream `he/round/R/encrypt` of the client's root). The payload becomes the serialized ciphertexts.
///
/// The first client of a round that starts a key epoch triggers the collective key generation.
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

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        guard let client, var he = state.he else { preconditionFailure("encrypt runs per client of an HE job") }
        var metrics = try he.ensureKey(round: state.round, job: job)
        guard let key = he.current else { preconditionFailure("no key after key generation") }
        guard let index = state.updates.lastIndex(where: { $0.client == client }),
              case .plain(var delta) = state.updates[index].payload else {
            throw PipelineError.stage(name.rawValue, "client \(client) has no plaintext update to encrypt")
        }
        var noiseParties = state.selectedClients.count
        if he.setup.shareHolders != nil {
            let (dropouts, isNew) = he.roundDropouts(state, job: job)
            noiseParties = GuaranteedSurvivors.count(selected: dropouts.selected.count, privacy: job.manifest.privacy,
                                                     clientsPerRound: job.manifest.federation.clientsPerRound, configuration: nil)
            if isNew {
                guard dropouts.survivors.count >= noiseParties else { throw dropouts.tooFewSurvivors(stage: name, threshold: noiseParties) }
                metrics += dropouts.warningMetrics
            }
            if dropouts.dropped.contains(client) {
                state.updates.remove(at: index)  // the client leaves before uploading
                state.he = he
                return metrics + [StageMetric("dropped", 1, "count"), StageMetric("bytes_sent", 0, "bytes")]
            }
            metrics.append(StageMetric("dropped", 0, "count"))
        }
        if he.setup.clientLevelDP {
            guard let plan = job.privacyPlan else { preconditionFailure("client-level DP needs a privacy plan") }
            var noise = job.streams(.client(client)).generator("round/\(state.round)/noise-share")
            DPFedAvg.addDistributedNoiseShare(to: &delta, noiseMultiplier: plan.noiseMultiplier, maxNorm: plan.maxGradNorm,
                                              parties: noiseParties, using: &noise)
            metrics.append(StageMetric("noise_parties", Double(noiseParties), "count"))
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
        var protected = state.updates[index]
        protected.payload = .encrypted(wire)
        let (received, sent) = try InProcessTransport.carry(protected)
        state.updates[index] = received
        state.he = he
        metrics += [
            StageMetric("ciphertexts", Double(wire.ciphertexts.count), "count"),
            StageMetric("bytes_sent", Double(sent), "bytes"),
        ]
        return metrics
    }
}
