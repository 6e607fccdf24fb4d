import Randomness
import Learning

/// A job manifest: the declarative description of one federated training job.
///
/// Read from YAML by `ManifestReader`, which checks every key, type, range and combination and
/// reports all problems at once as `FILE:LINE: key.path: message`. The Codable conformance is for
/// storing and exporting the parsed form (JSON); YAML input always goes through the reader.
public struct JobManifest: Codable, Sendable, Equatable {
    public var name: String
    /// Root of every random stream of the job (see `RandomStreams`).
    public var seed: UInt64
    public var randomness: RandomnessMode
    public var dataset: DatasetSettings
    public var model: ModelSettings
    public var federation: FederationSettings
    public var privacy: PrivacySettings
    /// The per-round stages, in order (derived from the privacy settings when absent).
    public var stages: [StageName]
    /// Whether client updates are protected (encrypted or secret-shared) before they leave the
    /// client: then the trained update stays on the device until `encrypt` or `share`.
    public var uploadsProtected: Bool { stages.contains(.encrypt) || stages.contains(.share) }
    /// Worker threads for kernels; results do not depend on it.
    public var threads: Int
    /// The one-run empirical privacy audit (`audit:`); nil when the manifest has none.
    public var audit: AuditSettings? = nil
}

/// The `audit:` block: the one-run empirical privacy audit of Steinke, Nasr, Jagielski 2023.
/// `canaries` mislabelled MNIST images are each put into the training data with probability ½;
/// after the last round the final model's losses on them give a lower bound ε_LB on the ε the
/// training really has, stored next to the accountant's ε (see `CanarySet`).
public struct AuditSettings: Codable, Sendable, Equatable {
    /// m: canaries drawn from the last m MNIST training images (kept out of the training data).
    public var canaries: Int
    /// Guess budgets r to try (k+ = ⌈r/2⌉ "included", k− = ⌊r/2⌋ "excluded"); nil = m/10, m/5,
    /// m/2 and m. The 95% confidence of the best is kept by a Bonferroni correction over the list.
    public var guesses: [Int]?

    public init(canaries: Int, guesses: [Int]? = nil) {
        self.canaries = canaries; self.guesses = guesses
    }
}

public struct DatasetSettings: Codable, Sendable, Equatable {
    public var name: String
    public var path: String
    public var clients: Int
    public var partition: PartitionSettings
    /// Use only the first N training examples (before partitioning); nil = all 60,000.
    public var trainExamples: Int?
    /// Evaluate on the first N test examples; nil = all 10,000.
    public var testExamples: Int?
}

public enum PartitionSchemeName: String, Codable, Sendable, CaseIterable {
    case iid, dirichlet, shards
}

public struct PartitionSettings: Codable, Sendable, Equatable {
    public var scheme: PartitionSchemeName
    /// Dirichlet concentration (label skew grows as alpha shrinks).
    public var alpha: Double?
    /// Shards per client for `shards` (2 in McMahan et al. 2017).
    public var shardsPerClient: Int?
}

public enum ArchitectureName: String, Codable, Sendable, CaseIterable {
    /// `linear`: group normalisation and one fully connected layer; on `features: scatter` only.
    case mlp, cnn, linear
}

/// What the network sees: the pixels, or the scattering transform of each image
/// (`ScatteringTransform`, Tramèr & Boneh 2021), computed once before training. The transform is
/// fixed and data-independent, so it costs no privacy. No normalisation statistic (per-channel
/// mean or variance) is computed from the training data, as Tramèr & Boneh do: that would be
/// a function of every private example, released without noise; the `linear` head normalises
/// each example by its own group statistics instead (`GroupNorm`).
public enum FeatureName: String, Codable, Sendable, CaseIterable {
    case pixels, scatter
}

public enum ActivationName: String, Codable, Sendable, CaseIterable {
    case relu, tanh
}

public struct ModelSettings: Codable, Sendable, Equatable {
    public var architecture: ArchitectureName
    public var activation: ActivationName
    public var features: FeatureName = .pixels
}

public struct FederationSettings: Codable, Sendable, Equatable {
    public var rounds: Int
    public var clientsPerRound: Int
    public var localEpochs: Int
    public var batchSize: Int
    public var learningRate: Double
    public var momentum: Double
    /// Multiplies the learning rate after every round (1 = constant).
    public var learningRateDecay: Double
    /// Where the clients run: in this process, or as agents on their own machines.
    public var deployment: DeploymentName = .simulated
    /// `deployment: agents`: the fewest clients a round may aggregate; fewer answers fail the
    /// round, naming who was missing. nil: every selected client must answer.
    public var minClients: Int? = nil
    /// `deployment: agents`: seconds a round waits for the agents' updates; a later one is a dropout.
    public var roundTimeoutSeconds: Double = 600
    /// `deployment: agents`: seconds the orchestrator waits for `dataset.clients` agents to join.
    public var joinTimeoutSeconds: Double = 300
}

/// Where a job's clients run (`federation.deployment`).
public enum DeploymentName: String, Codable, Sendable, CaseIterable {
    /// Every party in one process (`privfed run`, `worker`, `serve`).
    case simulated
    /// Each client is a `privfed agent` on its own machine, holding its own data, root and
    /// ledger; `privfed orchestrator --run` runs the job over the agent link.
    case agents
}

public enum PrivacyUnit: String, Codable, Sendable, CaseIterable {
    case example, client
}

/// `rdp`: Rényi DP (Mironov et al. 2019) with the conversion of Balle et al. 2020.
/// `pld`: the tight numerical accountant (privacy loss distributions composed by FFT); `prv`,
/// Opacus' name for its tight accountant, is accepted as an alias of it.
public enum AccountantName: String, Codable, Sendable, CaseIterable {
    case rdp, pld, prv
}

public enum EncryptionSchemeName: String, Codable, Sendable, CaseIterable {
    case ckks = "CKKS", bfv = "BFV"
}

/// `additive`: n-of-n shares to 2 or 3 share-holders; `secagg`: pairwise masks on the complete
/// graph (Bonawitz et al. 2017); `secagg_plus`: pairwise masks on a sparse graph (Bell et al. 2020).
public enum SecureAggregationName: String, Codable, Sendable, CaseIterable {
    case none, additive, secagg
    case secaggPlus = "secagg_plus"

    /// Whether the scheme masks pairwise and recovers from dropouts by a Shamir threshold.
    public var usesThreshold: Bool { self == .secagg || self == .secaggPlus }

    /// With homomorphic encryption, `additive` means the secret-key shares are additively
    /// re-shared among the share-holders, who then decrypt (DP + HE + MPC).
    public var combinesWithHomomorphicEncryption: Bool { self == .additive }
}

/// The `privacy:` block. Its keys are those of the seed's `configs/privacy_config.yaml`
/// (differential_privacy, epsilon, delta, noise_multiplier, homomorphic_encryption,
/// encryption_scheme, key_length), so that file can be pasted in, plus privfed's own.
public struct PrivacySettings: Codable, Sendable, Equatable {
    public var differentialPrivacy: Bool = false
    public var unit: PrivacyUnit = .example
    public var epsilon: Double?
    public var delta: Double?
    public var noiseMultiplier: Double?
    public var maxGradNorm: Double?
    /// β of the exponential moving average of the DP-SGD iterates that a client releases
    /// instead of its last iterate (`IterateAverage`; post-processing, no privacy cost).
    public var emaDecay: Double?
    /// K: each sampled example trains as K randomly shifted copies whose mean gradient is
    /// clipped (`ImageShiftAugmentation`, De et al. 2022); nil is one unshifted copy.
    public var augmentationMultiplicity: Int?
    public static let maxAugmentationMultiplicity = 32
    /// The augmentation of `augmentation_multiplicity`, with the default shifts (nil without it).
    public var augmentation: ImageShiftAugmentation? { augmentationMultiplicity.map { ImageShiftAugmentation(multiplicity: $0) } }
    /// Client-level DP: the clip norm follows a quantile of the update norms (`AdaptiveClipping`,
    /// Andrew et al. 2021), starting at `max_grad_norm`; nil keeps the clip fixed.
    public var adaptiveClipping: AdaptiveClippingSettings? = nil
    public var accountant: AccountantName = .rdp
    public var homomorphicEncryption: Bool = false
    public var encryptionScheme: EncryptionSchemeName = .ckks
    public var keyLength: Int?
    public var rotateKeysEvery: Int?
    public var secureAggregation: SecureAggregationName = .none
    public var shareHolders: Int?
    /// Share-holders of `secure_aggregation: additive` when `share_holders` is not given.
    public static let defaultShareHolders = 3
    /// `share_holders` or its default.
    public var effectiveShareHolders: Int { shareHolders ?? Self.defaultShareHolders }
    /// Whether any privacy setting is on: then the aggregator's records hold only what it may see
    /// (`MetricOwner`). A plain FedAvg job promises no privacy and records everything.
    public var protectsClients: Bool { differentialPrivacy || homomorphicEncryption || secureAggregation != .none }
    /// Whether the round's cohort is private to the clients' own Poisson coins (client-level DP):
    /// then the aggregator's records keep the cohort's size, never its members (`CohortTotals`).
    public var hidesCohort: Bool { differentialPrivacy && unit == .client }
    public var threshold: Int?
    public var dropoutRate: Double?
    /// Named dropouts: round → the clients that drop in it (before their input reaches the sum).
    public var dropouts: [Int: [Int]]?

    public init() {}
}

/// `privacy.adaptive_clipping`: γ, η and σ_b of adaptive clipping (see `AdaptiveClipping`).
public struct AdaptiveClippingSettings: Codable, Sendable, Equatable {
    /// γ: the fraction of updates meant to end a round unclipped.
    public var targetQuantile: Double
    /// η of the geometric update C ← C·exp(−η(b̄ − γ)).
    public var learningRate: Double
    /// σ_b, the noise on the count of unclipped updates; nil = clients_per_round / 20.
    public var countStddev: Double?

    public init(targetQuantile: Double, learningRate: Double, countStddev: Double? = nil) {
        self.targetQuantile = targetQuantile; self.learningRate = learningRate; self.countStddev = countStddev
    }
}

/// The stages a round can run, in pipeline order.
public enum StageName: String, Codable, Sendable, CaseIterable {
    case selectClients = "select_clients"
    case localTrain = "local_train"
    case encrypt
    case share
    case aggregate
    case decrypt
    case reconstruct
    case evaluate
    case secureEvaluate = "secure_evaluate"
}

/// Set-up stages, recorded as round 0.
public enum SetupStageName: String, Sendable, CaseIterable {
    case loadData = "load_data"
    case partition
    case initModel = "init_model"
    /// The scattering transform of every train and test image (`model.features: scatter`).
    case features
}
