import Foundation
import ResultsStore

/// Where a job's rounds begin: round 1 of a fresh job, or the round after a checkpoint, with the
/// state that round needs — the global model, the learning rate, every party's privacy history
/// and the homomorphic-encryption key of the current epoch.
///
/// Resuming rebuilds what the checkpoint does not hold:
/// - **Privacy history** from the ledger, by replaying each released row through the job's
///   `PrivacyBook` and requiring the replay to reproduce the row (so the ledger and the plan
///   agree). Reproducible mode replays the rounds up to the checkpoint: the interrupted round is
///   re-executed from the same streams, makes the same releases, and `commitRelease` verifies
///   them against the rows already recorded instead of appending them again. Secure mode replays
///   every row, the interrupted round's included: those releases happened (their noise is
///   gone), so they stay spent, and the round's fresh releases are new spends on top.
/// - **HE key**: reproducible mode re-derives the epoch's key from its streams (and checks its
///   identifier against `he_keys`); secure mode cannot (secret-key shares are never stored), so
///   the clients make a fresh collective key, recorded with the resumption.
struct RoundStart {
    var nextRound: Int
    var parameters: [Float]
    var learningRate: Double
    /// Client-level DP: the next round's clip (adaptive clipping's from the checkpoint round's release).
    var clipNorm: Double?
    var privacy: PrivacyBook?
    /// The mode's round protocol, with the HE key of the current epoch when resuming.
    var protection: any RoundProtocol
    /// Every party with its own secrets (the clients' HE key shares made again when resuming).
    var parties: Federation
    var last: (accuracy: Double?, loss: Double?) = (nil, nil)

    static func fresh(_ job: PreparedJob) -> RoundStart {
        RoundStart(nextRound: 1, parameters: job.initialParameters, learningRate: job.manifest.federation.learningRate,
                   clipNorm: job.privacyPlan.flatMap { $0.unit == .client ? $0.maxGradNorm : nil },
                   privacy: job.privacyPlan.map { PrivacyBook(plan: $0) }, protection: RoundProtocols.make(for: job), parties: Federation(job: job))
    }

    /// The state after `checkpoint`, rebuilt and checked; records the resumption.
    static func resume(from checkpoint: JobCheckpoint, job: PreparedJob, jobId: Int64, database: ResultsDatabase,
                       worker: String, claim: LeaseClaim?) throws -> RoundStart {
        guard checkpoint.parameters.count == job.initialParameters.count else {
            throw ResumeError.modelShape(round: checkpoint.round, stored: checkpoint.parameters.count, expected: job.initialParameters.count)
        }
        // The rounds after the checkpoint train on the data the rounds before it did (by content:
        // the files may have moved).
        let loaded = Dictionary(uniqueKeysWithValues: job.datasetFiles.map { ($0.file, $0.sha256) })
        for recorded in try database.datasetFiles(jobId: jobId) where loaded[recorded.file] != recorded.sha256 {
            throw ResumeError.datasetChanged(file: recorded.file, recorded: recorded.sha256, loaded: loaded[recorded.file])
        }
        let reproducible = job.manifest.randomness == .reproducible
        var start = fresh(job)
        start.nextRound = checkpoint.round + 1
        start.parameters = checkpoint.parameters
        start.learningRate = checkpoint.learningRate

        let ledger = try database.ledger(jobId: jobId)
        let interrupted = ledger.filter { $0.entry.round > checkpoint.round }.count
        if let plan = job.privacyPlan {
            var book = PrivacyBook(plan: plan)
            for row in ledger where row.entry.decision == "released" && (!reproducible || row.entry.round <= checkpoint.round) {
                // Adaptive clipping's C is checked by the audit (`ledger_plan`) against the released counts.
                let clip = plan.adaptiveClipping == nil ? nil : row.entry.maxGradNorm
                let replay = try book.decide(party: row.entry.party, round: row.entry.round, clipNorm: clip)
                guard replay.released, replay.entry == row.entry.withoutOutput else {
                    throw ResumeError.ledgerDisagrees(rowId: row.id, round: row.entry.round, party: row.entry.party)
                }
            }
            start.privacy = book
        }

        var freshKey: String?
        if var he = start.protection as? HomomorphicAggregation, checkpoint.round >= 1, he.setup.epoch(ofRound: start.nextRound) == he.setup.epoch(ofRound: checkpoint.round) {
            _ = try he.ensureKey(round: start.nextRound, job: job, parties: &start.parties)
            let made = he.current!
            he.markKeysRecorded()
            if reproducible {
                let recorded = try database.heKeys(jobId: jobId).first { $0.epoch == made.epoch }?.keyID
                guard recorded == String(made.keyID, radix: 16) else {
                    throw ResumeError.keyDiffers(epoch: made.epoch, derived: String(made.keyID, radix: 16), recorded: recorded)
                }
            } else {
                freshKey = String(made.keyID, radix: 16)
            }
            start.protection = he
        }

        let recorded = try database.metrics(jobId: jobId).filter { $0.round == checkpoint.round && $0.client == nil }
        let metrics = recorded.filter { $0.stage == "evaluate" }
        start.last = (metrics.first { $0.name == "accuracy" }?.value, metrics.first { $0.name == "loss" }?.value)
        if job.privacyPlan?.adaptiveClipping != nil && checkpoint.round >= 1 {
            // The clip the checkpoint round's release set, committed with that round.
            guard let next = recorded.first(where: { $0.stage == StageName.aggregate.rawValue && $0.name == StageMetric.nextClipNormName })?.value else {
                throw ResumeError.clipNormMissing(round: checkpoint.round)
            }
            start.clipNorm = next
        }
        try database.insertResumption(ResumptionRecord(worker: worker, previousWorker: claim?.previousWorker, checkpointRound: checkpoint.round,
                                                       randomness: job.manifest.randomness.rawValue, interruptedReleases: interrupted,
                                                       forced: claim?.forced ?? false, heKeyID: freshKey), jobId: jobId)
        return start
    }
}

/// Why a job cannot continue from its checkpoint.
public enum ResumeError: Error, CustomStringConvertible, Equatable {
    case modelShape(round: Int, stored: Int, expected: Int)
    case ledgerDisagrees(rowId: Int64, round: Int, party: String)
    case keyDiffers(epoch: Int, derived: String, recorded: String?)
    case partitionDiffers
    /// A dataset file's bytes differ from those the job loaded when it started.
    case datasetChanged(file: String, recorded: String, loaded: String?)
    /// A secure-mode job's canary mask came from the CSPRNG and is not stored until the job ends.
    case secureCanariesCannotResume
    /// An adaptive-clipping job's checkpoint round recorded no next clip norm.
    case clipNormMissing(round: Int)

    public var description: String {
        switch self {
        case .modelShape(let round, let stored, let expected):
            return "the checkpoint of round \(round) holds \(stored) parameters but the manifest's model has \(expected)"
        case .ledgerDisagrees(let id, let round, let party):
            return "ledger row \(id) (round \(round), \(party)) is not what the job's privacy plan gives when replayed; the privacy history cannot be rebuilt"
        case .keyDiffers(let epoch, let derived, let recorded):
            return "the HE key of epoch \(epoch) re-derived from the seed is \(derived) but \(recorded ?? "none") was recorded"
        case .partitionDiffers:
            return "the partition re-derived from the seed differs from the one recorded at set-up (the code or data changed); cannot resume bit for bit"
        case .datasetChanged(let file, let recorded, let loaded):
            return "\(file) hashes to \(loaded ?? "nothing (not loaded)") but the job started on SHA-256 \(recorded); restore the data the job started with"
        case .clipNormMissing(let round):
            return "round \(round) recorded no \(StageMetric.nextClipNormName) metric at the aggregate stage: the adaptive clip of the next round cannot be rebuilt"
        case .secureCanariesCannotResume:
            return "a job in secure randomness mode with an `audit: { canaries }` block cannot be resumed: its canary mask came from the CSPRNG and is revealed only when the job ends"
        }
    }
}
