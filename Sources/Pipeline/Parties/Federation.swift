import Randomness

/// Every party of a simulated job, each the sole owner of its secrets: the clients' and
/// share-holders' devices, and the streams of the aggregator, the crypto provider and the
/// evaluation data owner. The runner carries it from round to round (HE key shares span rounds);
/// the steps of a round reach a party only through its own value here.
public struct Federation: Sendable {
    public internal(set) var clients: [ClientDevice]
    public internal(set) var shareHolders: [ShareHolderDevice]
    /// The aggregator's own streams: central DP noise, the SecAgg+ graph, the model owner's
    /// randomness in secure evaluation.
    let aggregator: RandomStreams
    /// The dealer of secure evaluation's Beaver triples, and the holder of its test set.
    let cryptoProvider: RandomStreams?
    let evaluationDataOwner: RandomStreams?

    /// Each party of `job` with its own root (`JobSecrets`) and, for a client, its shard.
    public init(job: PreparedJob) {
        let secrets = job.secrets
        let parties = Party.all(in: job.manifest)  // in party order
        // Agents' clients are on their own machines: the orchestrator holds no device of theirs.
        clients = job.manifest.federation.deployment == .agents ? []
            : job.shards.indices.map { ClientDevice(index: $0, shard: job.shards[$0], streams: secrets.streams(for: .client($0))) }
        // So are an agents job's share-holders (`privfed share-holder`).
        shareHolders = job.manifest.federation.deployment == .agents ? [] : parties.compactMap { party -> ShareHolderDevice? in
            guard case .shareHolder(let h) = party else { return nil }
            return ShareHolderDevice(index: h, streams: secrets.streams(for: party))
        }
        aggregator = secrets.streams(for: .aggregator)
        cryptoProvider = parties.contains(.cryptoProvider) ? secrets.streams(for: .cryptoProvider) : nil
        evaluationDataOwner = parties.contains(.evaluationDataOwner) ? secrets.streams(for: .evaluationDataOwner) : nil
    }
}
