import DifferentialPrivacy

/// Client-level DP with a trusted aggregator (DP-FedAvg, McMahan, Ramage, Talwar, Zhang 2018,
/// Algorithm 1): the sum of the clients' clipped deltas plus the aggregator's N(0, σ²C²), divided
/// by the expected cohort size q·K = clients_per_round (`releaseNoisyAverage`) — a fixed
/// denominator, so one client's presence changes the sum by at most C. Uniform weights:
/// sample-count weights would let one client's influence exceed C.
///
/// The release is decided by the job's `PrivacyBook` before the noisy model leaves the
/// aggregator; the runner commits the ledger row with the round's status. The row carries the
/// SHA-256 of the released noisy averaged delta (the new model minus the old).
public struct CentralDPFedAvg: UnprotectedUploads {
    /// The clipped deltas' sum, from `aggregate` to `release` (both in the `aggregate` stage).
    var sum: [Float]?
    /// Adaptive clipping: how many of the received updates fit the round's clip, and of how many.
    var unclipped = 0, reported = 0

    public init() {}

    public mutating func aggregate(_ round: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        var total = [Float](repeating: 0, count: round.global.parameters.count)
        unclipped = 0; reported = 0
        let adaptive = job.privacyPlan?.adaptiveClipping != nil
        for update in round.updates {
            let delta = try update.plainDelta(for: "DP-FedAvg")
            for i in total.indices { total[i] += delta[i] }
            if adaptive {
                guard let bit = update.unclipped else {
                    throw PipelineError.stage("aggregate", "client \(update.client)'s update carries no clip bit, which adaptive clipping needs")
                }
                reported += 1
                if bit { unclipped += 1 }
            }
        }
        sum = total
        return round.receivedMetrics
    }

    public mutating func release(_ round: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        guard let total = sum else { preconditionFailure("DP-FedAvg releases after aggregate") }
        let admitted = try round.admitRelease(of: .aggregator)
        round.pend(admitted, released: round.releaseNoisyAverage(of: total, job: job))  // the noisy averaged delta
        sum = nil
        var metrics = [StageMetric("epsilon_spent", admitted.enforcedEpsilonSpent, "epsilon")]
        if let adaptive = job.privacyPlan?.adaptiveClipping {
            metrics += round.adaptClip(adaptive, unclipped: unclipped, reported: reported, job: job)
        }
        return metrics
    }
}

extension RoundState {
    /// Adaptive clipping's half of the round's release (`AdaptiveClipping`): the noisy fraction
    /// of unclipped updates, its noise on the aggregator's stream `round/R/aggregate/clip-count`,
    /// and from it the next round's clip. Both are released values (accounted with the update
    /// sum), so the aggregator records them: the audit re-derives each round's C from them.
    mutating func adaptClip(_ adaptive: AdaptiveClipping, unclipped: Int, reported: Int, job: PreparedJob) -> [StageMetric] {
        guard let clip = clipNorm else { preconditionFailure("adaptive clipping without the round's clip") }
        var noise = parties.aggregator.generator("round/\(round)/aggregate/clip-count")
        let fraction = adaptive.noisyUnclippedFraction(unclipped: unclipped, reported: reported,
                                                       expectedCohort: job.manifest.federation.clientsPerRound, using: &noise)
        let next = adaptive.nextClip(after: clip, unclippedFraction: fraction)
        nextClipNorm = next
        return [StageMetric.clipNorm(clip), StageMetric.unclippedFraction(fraction), StageMetric.nextClipNorm(next)]
    }
}

extension StageMetric {
    /// Adaptive clipping's records, by name: the audit and a resumed job read them back.
    public static let clipNormName = "clip_norm", unclippedFractionName = "unclipped_fraction", nextClipNormName = "next_clip_norm"
    static func clipNorm(_ c: Double) -> StageMetric { StageMetric(clipNormName, c, "l2") }
    static func unclippedFraction(_ b: Double) -> StageMetric { StageMetric(unclippedFractionName, b, "fraction") }
    static func nextClipNorm(_ c: Double) -> StageMetric { StageMetric(nextClipNormName, c, "l2") }
}
