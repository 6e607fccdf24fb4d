import DatasetProvenance
import Foundation
import Learning
import Randomness
import ResultsStore

/// A job with its data loaded, partitioned and its model initialised: everything the rounds need.
///
/// Preparation happens before a job is written to the database by `privfed run`, so a missing or
/// corrupt dataset is reported without leaving a job behind.
public struct PreparedJob: Sendable {
    public let manifest: JobManifest
    /// The public streams, keyed by the manifest seed: partition, model initialisation, non-private
    /// client selection, the common reference polynomial of HE key generation, simulated dropouts.
    /// Anything a reader of the manifest may recompute, and nothing else.
    public let publicStreams: RandomStreams
    /// Every party's secret root: the only source of private randomness (see `JobSecrets`).
    public let secrets: JobSecrets
    /// The model's inputs: the images, or with `features: scatter` their scattering features.
    public let train: LabeledImages
    public let test: LabeledImages
    /// The dataset files as they were loaded (absolute path, SHA-256, size): recorded with the job.
    public let datasetFiles: [DatasetFileDigest]
    /// Training-example indices held by each client.
    public let shards: [[Int]]
    public let architecture: Architecture
    public let initialParameters: [Float]
    /// How the job spends its privacy budget; nil when differential privacy is off.
    public internal(set) var privacyPlan: PrivacyPlan?
    /// Homomorphic encryption parameters; nil when homomorphic_encryption is off.
    public internal(set) var heSetup: HESetup? = nil
    /// The one-run privacy audit's canaries (already in `train` and `shards`); nil without `audit:`.
    public internal(set) var canaries: CanarySet? = nil
    /// What carries the parties' messages (`Transport`): in process by default.
    public var transport: any Transport = InProcessTransport()
    /// The clients as agents on their own machines (`deployment: agents`); nil in simulation.
    public var remoteClients: (any RemoteClients)? = nil
    /// Timings of load_data, partition, features (with `features: scatter`) and init_model, recorded as round 0.
    public let setupRuns: [StageRunRecord]
    public let setupMetrics: [MetricRecord]

    /// Loads MNIST from the manifest's dataset path (relative paths are resolved against
    /// `baseDirectory`), partitions it, and initialises the model — each step timed.
    ///
    /// `recordedShards` is the partition recorded when the job first started (a resumed job):
    /// with `randomness: secure` it is used as it is, since OS-keyed streams cannot re-derive it
    /// and an example must stay with its client; in reproducible mode the partition re-derived from
    /// the seed must equal it (`ResumeError.partitionDiffers` otherwise).
    ///
    /// `secrets` are the parties' roots (a reproducible job's escrowed secrets, replayed); nil
    /// draws fresh ones from the operating system.
    public static func prepare(_ manifest: JobManifest, secrets: JobSecrets? = nil, baseDirectory: String? = nil,
                               recordedShards: [[Int]]? = nil) throws -> PreparedJob {
        guard manifest.federation.deployment == .simulated else { throw PipelineError.needsAgents }
        let streams = RandomStreams(seed: manifest.seed)
        let secrets = secrets ?? JobSecrets.fresh(for: manifest)
        var runs: [StageRunRecord] = []
        var metrics: [MetricRecord] = []
        func timed<T>(_ stage: SetupStageName, _ body: () throws -> T) throws -> T {
            let started = Timestamp.now()
            let clock = ContinuousClock.now
            let value = try body()
            runs.append(StageRunRecord(round: 0, stage: stage.rawValue, client: nil, startedAt: started,
                                       durationMs: clock.duration(to: .now).milliseconds, succeeded: true))
            return value
        }

        let path = resolve(manifest.dataset.path, against: baseDirectory)
        let mnist = try timed(.loadData) { try MNIST.load(directory: path) }
        var train = manifest.dataset.trainExamples.map { mnist.train.prefix($0) } ?? mnist.train
        var test = manifest.dataset.testExamples.map { mnist.test.prefix($0) } ?? mnist.test
        metrics.append(MetricRecord(round: 0, stage: SetupStageName.loadData.rawValue, client: nil, name: "train_examples",
                                    value: Double(train.count), unit: "count"))
        metrics.append(MetricRecord(round: 0, stage: SetupStageName.loadData.rawValue, client: nil, name: "test_examples",
                                    value: Double(test.count), unit: "count"))

        if manifest.randomness == .secure, recordedShards != nil, manifest.audit != nil { throw ResumeError.secureCanariesCannotResume }
        var shards = try timed(.partition) { () -> [[Int]] in
            if manifest.randomness == .secure, let recordedShards { return recordedShards }
            var generator = streams.generator("partition")
            let settings = manifest.dataset.partition
            let scheme: PartitionScheme
            switch settings.scheme {
            case .iid: scheme = .iid
            case .dirichlet: scheme = .dirichlet(alpha: settings.alpha ?? 0.5)
            case .shards: scheme = .shards(shardsPerClient: settings.shardsPerClient ?? 2)
            }
            return try Partitioner.partition(labels: train.labels, clients: manifest.dataset.clients, scheme: scheme,
                                             generator: &generator)
        }
        // Canaries join the shards before the partition is compared with (or recorded as) the
        // job's partition, so a resumed job sees the same shards, canaries included.
        let canaries = manifest.audit.map { CanarySet.draw($0, pool: mnist.train, streams: secrets.streams(for: .auditor)) }
        if let canaries { (train, shards) = canaries.insert(into: train, shards: shards) }
        if let recordedShards, shards != recordedShards { throw ResumeError.partitionDiffers }
        for (client, shard) in shards.enumerated() {
            metrics.append(MetricRecord(round: 0, stage: SetupStageName.partition.rawValue, client: client, name: "samples",
                                        value: Double(shard.count), unit: "count"))
        }

        if manifest.model.features == .scatter {
            (train, test) = try timed(.features) { (Self.features(of: train, manifest: manifest), Self.features(of: test, manifest: manifest)) }
        }
        let architecture = architecture(of: manifest.model)
        let initial = try timed(.initModel) { () -> [Float] in
            var generator = streams.generator("init")
            return Model(architecture: architecture, generator: &generator).parameters
        }
        metrics.append(MetricRecord(round: 0, stage: SetupStageName.initModel.rawValue, client: nil, name: "parameters",
                                    value: Double(initial.count), unit: "count"))
        let plan = manifest.privacy.differentialPrivacy ? try PrivacyPlan.make(manifest, shardSizes: shards.map(\.count)) : nil
        if let plan {
            metrics.append(MetricRecord(round: 0, stage: SetupStageName.initModel.rawValue, client: nil, name: "noise_multiplier",
                                        value: plan.noiseMultiplier, unit: "sigma"))
            metrics.append(MetricRecord(round: 0, stage: SetupStageName.initModel.rawValue, client: nil, name: "projected_epsilon",
                                        value: plan.projectedEpsilon, unit: "epsilon"))
        }
        let he = try heSetup(manifest, plan: plan, parameterCount: initial.count, metrics: &metrics)
        return PreparedJob(manifest: manifest, publicStreams: streams, secrets: secrets, train: train, test: test, datasetFiles: mnist.sources,
                           shards: shards,
                           architecture: architecture, initialParameters: initial, privacyPlan: plan, heSetup: he,
                           canaries: canaries, setupRuns: runs, setupMetrics: metrics)
    }

    /// What the model trains and is evaluated on: the images themselves, or under `features:
    /// scatter` their scattering coefficients — a fixed transform of each example on its own, with
    /// no privacy cost (`ScatteringTransform`), the same at the orchestrator (its test set) and at
    /// each agent (its own data).
    public static func features(of images: LabeledImages, manifest: JobManifest) -> LabeledImages {
        guard manifest.model.features == .scatter else { return images }
        let scattering = ScatteringTransform(imageSide: 28, scales: Architecture.scatteringScales, orientations: Architecture.scatteringOrientations)
        return scattering.features(of: images, threads: manifest.threads)
    }

    /// The job's HE parameters (nil without HE), with their setup metrics.
    static func heSetup(_ manifest: JobManifest, plan: PrivacyPlan?, parameterCount: Int, metrics: inout [MetricRecord]) throws -> HESetup? {
        guard manifest.privacy.homomorphicEncryption else { return nil }
        let he = try HESetup.make(manifest, noiseMultiplier: plan?.noiseMultiplier, maxGradNorm: plan?.maxGradNorm, parameterCount: parameterCount)
        let stage = SetupStageName.initModel.rawValue
        for (name, value, unit) in [("he_ring_degree", Double(he.context.degree), "count"), ("he_precision_bits", Double(he.codec.precisionBits), "bits"),
                                    ("he_scale_log2", log2(he.codec.scale), "bits"), ("he_weight_budget", Double(he.weightBudget), "count"),
                                    ("he_value_bound", he.codec.valueBound, "abs")] {
            metrics.append(MetricRecord(round: 0, stage: stage, client: nil, name: name, value: value, unit: unit))
        }
        return he
    }

    /// A `deployment: agents` job as the orchestrator holds it: the test set (from the manifest's
    /// dataset folder) for evaluation, the model initialised from the seed, and the agents' example
    /// counts (`examples[k]` for client k, as each agent reported it) for the privacy plan. No
    /// training data and no client root: those are on the agents' machines. Client k's shard is
    /// recorded as 0..<n_k, indices into its own folder, so the partition the audit derives the
    /// plan from has the counts the agents reported. The orchestrator's
    /// own parties (aggregator and the like) get fresh roots.
    public static func prepareForAgents(_ manifest: JobManifest, secrets: JobSecrets, examples: [Int], baseDirectory: String? = nil) throws -> PreparedJob {
        precondition(manifest.federation.deployment == .agents && examples.count == manifest.dataset.clients)
        let streams = RandomStreams(seed: manifest.seed)
        let started = Timestamp.now(), clock = ContinuousClock.now
        let mnist = try MNIST.load(directory: resolve(manifest.dataset.path, against: baseDirectory))
        let test = features(of: manifest.dataset.testExamples.map { mnist.test.prefix($0) } ?? mnist.test, manifest: manifest)
        let runs = [StageRunRecord(round: 0, stage: SetupStageName.loadData.rawValue, client: nil, startedAt: started,
                                   durationMs: clock.duration(to: .now).milliseconds, succeeded: true)]
        var metrics = [MetricRecord(round: 0, stage: SetupStageName.loadData.rawValue, client: nil, name: "test_examples",
                                    value: Double(test.count), unit: "count")]
        for (client, n) in examples.enumerated() {
            metrics.append(MetricRecord(round: 0, stage: SetupStageName.partition.rawValue, client: client, name: "samples",
                                        value: Double(n), unit: "count"))
        }
        let architecture = architecture(of: manifest.model)
        var generator = streams.generator("init")
        let initial = Model(architecture: architecture, generator: &generator).parameters
        let plan = manifest.privacy.differentialPrivacy ? try PrivacyPlan.make(manifest, shardSizes: examples) : nil
        if let plan {
            metrics.append(MetricRecord(round: 0, stage: SetupStageName.initModel.rawValue, client: nil, name: "noise_multiplier",
                                        value: plan.noiseMultiplier, unit: "sigma"))
        }
        let he = try heSetup(manifest, plan: plan, parameterCount: initial.count, metrics: &metrics)
        return PreparedJob(manifest: manifest, publicStreams: streams, secrets: secrets, train: LabeledImages(pixels: [], labels: []), test: test,
                           datasetFiles: mnist.sources.filter { $0.file.hasPrefix("t10k") }, shards: examples.map { Array(0..<$0) },
                           architecture: architecture,
                           initialParameters: initial, privacyPlan: plan, heSetup: he, setupRuns: runs, setupMetrics: metrics)
    }

    /// The network `model` names.
    static func architecture(of model: ModelSettings) -> Architecture {
        switch model.architecture {
        case .mlp: return .mlp
        case .cnn:
            let activation: Activation = model.activation == .tanh ? .tanh : .relu
            return model.features == .scatter ? .scatterCNN(activation: activation) : .cnn(activation: activation)
        case .linear: return .scatterLinear
        }
    }

    public static func resolve(_ path: String, against base: String?) -> String {
        if path.hasPrefix("/") { return path }
        if let base, !FileManager.default.fileExists(atPath: path) {
            return (base as NSString).appendingPathComponent(path)
        }
        return path
    }
}

extension Duration {
    /// The duration in milliseconds, as a Double.
    public var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
