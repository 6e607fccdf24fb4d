import Foundation
import Yams

/// Reads and validates a manifest. Every problem is collected — unknown keys, wrong types,
/// out-of-range values, impossible combinations, settings whose stage is not built yet — and
/// thrown together as one `ManifestError`.
public struct ManifestReader: Sendable {
    /// Which privacy features this build of privfed can run.
    public var capabilities: PipelineCapabilities
    /// What is checked about the dataset a manifest names (nothing, by default).
    public var datasets: DatasetPolicy

    public init(capabilities: PipelineCapabilities = .current, datasets: DatasetPolicy = DatasetPolicy()) {
        self.capabilities = capabilities
        self.datasets = datasets
    }

    /// Reads the manifest at `path`. A relative `dataset.path` is resolved against the folder
    /// the manifest is in, never the working directory, so a manifest means the same data from
    /// wherever it is run; the returned manifest carries the absolute path.
    public func read(path: String) throws -> (manifest: JobManifest, text: String) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ManifestError(issues: [ManifestIssue(file: path, line: 1, keyPath: "(file)", message: "cannot read the file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ManifestError(issues: [ManifestIssue(file: path, line: 1, keyPath: "(file)", message: "not UTF-8 text")])
        }
        return (try parse(text, file: path, relativeTo: DatasetLocation.directory(ofManifest: path)), text)
    }

    /// Parses manifest text; `file` names it in errors. With `relativeTo`, a relative
    /// `dataset.path` is resolved against that folder (see `DatasetLocation`); without, it is
    /// returned as written. `defaultDataset` replaces the default path when none is written.
    ///
    /// Every problem is found in one pass: a value that is missing or wrong is reported and the
    /// rest is still read and checked (see `YAMLFields.Substitute`), the dataset location too.
    public func parse(_ text: String, file: String, relativeTo directory: String? = nil, defaultDataset: String? = nil) throws -> JobManifest {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ManifestError(issues: [ManifestIssue(file: file, line: 1, keyPath: "(document)", message: "the manifest is empty")])
            }
            root = node
        } catch let error as YamlError {
            throw ManifestError(issues: [Self.issue(from: error, file: file, text: text)])
        }
        var low = YAMLFields(file: file, substitute: .low), high = YAMLFields(file: file, substitute: .high)
        let parsed = read(root, &low), twin = read(root, &high)
        var issues = low.issues
        if let parsed, let twin {
            let rules = ManifestRules(capabilities: capabilities)
            var lowRules = YAMLFields(file: file), highRules = YAMLFields(file: file)
            rules.check(parsed, root: root, &lowRules)
            rules.check(twin, root: root, &highRules)
            let reported = Set(issues.map(\.keyPath)), inBoth = Set(highRules.issues)
            issues += lowRules.issues.filter { inBoth.contains($0) && !reported.contains($0.keyPath) }
        }
        var manifest = parsed
        // The location is checked unless the path itself could not be read (it then stands in).
        if var resolved = manifest, !issues.contains(where: { $0.keyPath == "dataset" || $0.keyPath == "dataset.path" }) {
            if let defaultDataset, !ManifestRules(capabilities: capabilities).isPresent("dataset.path", root) {
                resolved.dataset.path = defaultDataset
            }
            resolved.dataset.path = DatasetLocation.resolve(resolved.dataset.path, relativeTo: directory)
            var location = YAMLFields(file: file)
            datasets.check(resolved.dataset, root: root, &location)
            issues += location.issues
            manifest = resolved
        }
        if let manifest, issues.isEmpty { return manifest }
        throw ManifestError(issues: issues.sorted { ($0.line, $0.keyPath) < ($1.line, $1.keyPath) })
    }

    static func issue(from error: YamlError, file: String, text: String) -> ManifestIssue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ManifestIssue(file: file, line: mark.line, keyPath: "(yaml)", message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams's own description carries the whole document; name the key and its first line instead.
            let keys = duplicates.sorted().map { "'\(YAMLFields.shown($0))'" }.joined(separator: ", ")
            return ManifestIssue(file: file, line: max(context.mark.line, 1), keyPath: duplicates.count == 1 ? YAMLFields.shown(duplicates[0]) : "(yaml)",
                                 message: "duplicate key \(keys) in one mapping (first written on this line); a key may appear once")
        case .reader(let problem, let offset, _, _):
            var line = 1
            if let offset { line += text.utf8.prefix(max(offset, 0)).filter { $0 == 0x0A }.count }
            return ManifestIssue(file: file, line: line, keyPath: "(yaml)", message: "invalid YAML: \(problem)")
        default:
            return ManifestIssue(file: file, line: 1, keyPath: "(yaml)", message: "invalid YAML: \(error)")
        }
    }

    static let topKeys = ["name", "seed", "randomness", "dataset", "model", "federation", "privacy", "stages", "threads", "audit"]
    static let datasetKeys = ["name", "path", "clients", "partition", "train_examples", "test_examples"]
    static let partitionKeys = ["scheme", "alpha", "shards_per_client"]
    static let modelKeys = ["architecture", "activation", "features"]
    static let federationKeys = ["rounds", "clients_per_round", "local_epochs", "batch_size", "learning_rate", "momentum",
                                 "learning_rate_decay", "deployment", "min_clients", "round_timeout", "join_timeout"]
    static let privacyKeys = ["differential_privacy", "unit", "epsilon", "delta", "noise_multiplier", "max_grad_norm",
                              "ema_decay", "augmentation_multiplicity", "adaptive_clipping", "accountant", "homomorphic_encryption", "encryption_scheme", "key_length", "rotate_keys_every",
                              "secure_aggregation", "share_holders", "threshold", "dropout_rate", "dropouts"]
    static let auditKeys = ["canaries", "guesses"]
    static let adaptiveClippingKeys = ["target_quantile", "learning_rate", "count_stddev"]

    private func read(_ root: Node, _ f: inout YAMLFields) -> JobManifest? {
        guard let top = f.mapping(root, "", allowed: Self.topKeys) else { return nil }
        let rootLine = root.mark?.line ?? 1
        func required(_ map: [String: Node], _ key: String, _ path: String, _ line: Int?) -> Node? {
            if let node = map[key] { return node }
            f.report(nil, path.isEmpty ? key : path + "." + key, "is required", fallbackLine: line ?? rootLine)
            return YAMLFields.missing
        }

        let name = required(top, "name", "", rootLine).flatMap { f.string($0, "name") }
        if let node = top["name"], case .scalar(let written) = node, let problem = JobName.problem(written.string) {
            f.report(node, "name", problem)
        }
        let seed = required(top, "seed", "", rootLine).flatMap { f.uint64($0, "seed") }
        let randomness = top["randomness"].map { f.choice($0, "randomness", RandomnessModeName.self) } ?? .reproducible
        let threads = top["threads"].map { f.int($0, "threads", in: 1...64) } ?? 2

        // dataset
        var dataset: DatasetSettings?
        if let node = required(top, "dataset", "", rootLine), let map = f.mapping(node, "dataset", allowed: Self.datasetKeys) {
            let line = node.mark?.line
            let dname = required(map, "name", "dataset", line).flatMap { f.string($0, "dataset.name") }
            if let node = map["name"], case .scalar(let written) = node, !written.string.isEmpty, written.string != "mnist" {
                f.report(node, "dataset.name", "only 'mnist' is supported, got '\(YAMLFields.shown(written.string))'")
            }
            let path = map["path"].map { f.string($0, "dataset.path") } ?? "datasets/mnist"
            let clients = required(map, "clients", "dataset", line).flatMap { f.int($0, "dataset.clients", in: 1...10_000) }
            var partition: PartitionSettings? = PartitionSettings(scheme: .iid, alpha: nil, shardsPerClient: nil)
            if let pnode = map["partition"], let pmap = f.mapping(pnode, "dataset.partition", allowed: Self.partitionKeys) {
                let scheme = required(pmap, "scheme", "dataset.partition", pnode.mark?.line)
                    .flatMap { f.choice($0, "dataset.partition.scheme", PartitionSchemeName.self) }
                let alpha = pmap["alpha"].flatMap { f.double($0, "dataset.partition.alpha", min: 0, max: 1e6, openMin: true) }
                let shards = pmap["shards_per_client"].flatMap { f.int($0, "dataset.partition.shards_per_client", in: 1...100) }
                partition = scheme.map { PartitionSettings(scheme: $0, alpha: alpha, shardsPerClient: shards) }
            } else if map["partition"] != nil { partition = nil }
            let train = map["train_examples"].flatMap { f.int($0, "dataset.train_examples", in: 1...60_000) }
            let test = map["test_examples"].flatMap { f.int($0, "dataset.test_examples", in: 1...10_000) }
            if let dname, let path, let clients, let partition {
                dataset = DatasetSettings(name: dname, path: path, clients: clients, partition: partition,
                                          trainExamples: train, testExamples: test)
            }
        }

        // model
        var model: ModelSettings?
        if let node = required(top, "model", "", rootLine), let map = f.mapping(node, "model", allowed: Self.modelKeys) {
            let arch = required(map, "architecture", "model", node.mark?.line).flatMap { f.choice($0, "model.architecture", ArchitectureName.self) }
            let act = map["activation"].map { f.choice($0, "model.activation", ActivationName.self) } ?? .relu
            let features = map["features"].map { f.choice($0, "model.features", FeatureName.self) } ?? .pixels
            if let arch, let act, let features { model = ModelSettings(architecture: arch, activation: act, features: features) }
        }

        // federation
        var federation: FederationSettings?
        if let node = required(top, "federation", "", rootLine), let map = f.mapping(node, "federation", allowed: Self.federationKeys) {
            let line = node.mark?.line
            let rounds = required(map, "rounds", "federation", line).flatMap { f.int($0, "federation.rounds", in: 1...100_000) }
            let perRound = required(map, "clients_per_round", "federation", line).flatMap { f.int($0, "federation.clients_per_round", in: 1...10_000) }
            let epochs = map["local_epochs"].map { f.int($0, "federation.local_epochs", in: 1...1_000) } ?? 1
            let batch = required(map, "batch_size", "federation", line).flatMap { f.int($0, "federation.batch_size", in: 1...60_000) }
            let lr = required(map, "learning_rate", "federation", line).flatMap {
                f.double($0, "federation.learning_rate", min: 0, max: 100, openMin: true)
            }
            let momentum = map["momentum"].map { f.double($0, "federation.momentum", min: 0, max: 1, openMax: true) } ?? 0
            let decay = map["learning_rate_decay"].map { f.double($0, "federation.learning_rate_decay", min: 0, max: 1, openMin: true) } ?? 1
            let deployment = map["deployment"].map { f.choice($0, "federation.deployment", DeploymentName.self) } ?? .simulated
            let minClients = map["min_clients"].map { f.int($0, "federation.min_clients", in: 1...10_000) }
            let roundTimeout = map["round_timeout"].map { f.double($0, "federation.round_timeout", min: 0, max: 86_400, openMin: true) } ?? 600
            let joinTimeout = map["join_timeout"].map { f.double($0, "federation.join_timeout", min: 0, max: 86_400, openMin: true) } ?? 300
            if let rounds, let perRound, let epochs, let batch, let lr, let momentum, let decay, let deployment, let roundTimeout, let joinTimeout,
               minClients.map({ $0 != nil }) ?? true {
                federation = FederationSettings(rounds: rounds, clientsPerRound: perRound, localEpochs: epochs, batchSize: batch,
                                                learningRate: lr, momentum: momentum, learningRateDecay: decay, deployment: deployment,
                                                minClients: minClients ?? nil, roundTimeoutSeconds: roundTimeout, joinTimeoutSeconds: joinTimeout)
            }
        }

        // privacy
        var privacy: PrivacySettings? = PrivacySettings()
        if let node = top["privacy"] {
            privacy = readPrivacy(node, &f)
        }

        // stages
        var stages: [StageName]? = nil
        if let node = top["stages"], let items = f.list(node, "stages") {
            var parsed: [StageName] = []
            for (i, item) in items.enumerated() {
                if let s = f.choice(item, "stages[\(i)]", StageName.self) { parsed.append(s) }
            }
            stages = parsed.count == items.count ? parsed : nil
            if stages == nil { return nil }
        }

        // audit (problems are reported; a broken block leaves the manifest unread)
        let audit = top["audit"].map { readAudit($0, &f) }

        guard let name, let seed, let randomness, let threads, let dataset, let model, let federation, let privacy else { return nil }
        let derived = StagePlan.stages(for: privacy)
        return JobManifest(name: name, seed: seed, randomness: randomness.mode, dataset: dataset, model: model,
                           federation: federation, privacy: privacy, stages: stages ?? derived, threads: threads,
                           audit: audit ?? nil)
    }

    private func readPrivacy(_ node: Node, _ f: inout YAMLFields) -> PrivacySettings? {
        guard let map = f.mapping(node, "privacy", allowed: Self.privacyKeys) else { return nil }
        var p = PrivacySettings()
        var ok = true
        func take<T>(_ value: T?, _ set: (inout PrivacySettings, T) -> Void) {
            if let value { set(&p, value) } else { ok = false }
        }
        if let n = map["differential_privacy"] { take(f.bool(n, "privacy.differential_privacy")) { $0.differentialPrivacy = $1 } }
        if let n = map["unit"] { take(f.choice(n, "privacy.unit", PrivacyUnit.self)) { $0.unit = $1 } }
        if let n = map["epsilon"] { take(f.double(n, "privacy.epsilon", min: 0, max: 1000, openMin: true)) { $0.epsilon = $1 } }
        if let n = map["delta"] { take(f.double(n, "privacy.delta", min: 0, max: 1, openMin: true, openMax: true)) { $0.delta = $1 } }
        if let n = map["noise_multiplier"] { take(f.double(n, "privacy.noise_multiplier", min: 0, max: 1000, openMin: true)) { $0.noiseMultiplier = $1 } }
        if let n = map["max_grad_norm"] { take(f.double(n, "privacy.max_grad_norm", min: 0, max: 1e6, openMin: true)) { $0.maxGradNorm = $1 } }
        if let n = map["ema_decay"] { take(f.double(n, "privacy.ema_decay", min: 0, max: 1, openMin: true, openMax: true)) { $0.emaDecay = $1 } }
        if let n = map["augmentation_multiplicity"] {
            take(f.int(n, "privacy.augmentation_multiplicity", in: 1...PrivacySettings.maxAugmentationMultiplicity)) { $0.augmentationMultiplicity = $1 }
        }
        if let n = map["adaptive_clipping"] { take(readAdaptiveClipping(n, &f)) { $0.adaptiveClipping = $1 } }
        if let n = map["accountant"] { take(f.choice(n, "privacy.accountant", AccountantName.self)) { $0.accountant = $1 } }
        if let n = map["homomorphic_encryption"] { take(f.bool(n, "privacy.homomorphic_encryption")) { $0.homomorphicEncryption = $1 } }
        if let n = map["encryption_scheme"] { take(f.choice(n, "privacy.encryption_scheme", EncryptionSchemeName.self)) { $0.encryptionScheme = $1 } }
        if let n = map["key_length"] {
            let before = f.issues.count
            take(f.int(n, "privacy.key_length", in: 1024...32768)) { $0.keyLength = $1 }
            if let k = p.keyLength, f.issues.count == before, ![4096, 8192, 16384, 32768].contains(k) {
                f.report(n, "privacy.key_length", "must be a ring degree N of 4096, 8192, 16384 or 32768, got \(k)")
                ok = false
            }
        }
        if let n = map["rotate_keys_every"] { take(f.int(n, "privacy.rotate_keys_every", in: 1...100_000)) { $0.rotateKeysEvery = $1 } }
        if let n = map["secure_aggregation"] { take(f.choice(n, "privacy.secure_aggregation", SecureAggregationName.self)) { $0.secureAggregation = $1 } }
        if let n = map["share_holders"] { take(f.int(n, "privacy.share_holders", in: 2...3)) { $0.shareHolders = $1 } }
        if let n = map["threshold"] { take(f.int(n, "privacy.threshold", in: 1...10_000)) { $0.threshold = $1 } }
        if let n = map["dropout_rate"] { take(f.double(n, "privacy.dropout_rate", min: 0, max: 1, openMax: true)) { $0.dropoutRate = $1 } }
        if let n = map["dropouts"] { take(f.namedDropouts(n, "privacy.dropouts")) { $0.dropouts = $1 } }
        return ok ? p : nil
    }
}

extension ManifestReader {
    /// `privacy.adaptive_clipping: { target_quantile: γ, learning_rate: η, count_stddev: σ_b }`,
    /// every key optional (Andrew et al.'s defaults γ = 0.5, η = 0.2, σ_b = clients_per_round / 20).
    private func readAdaptiveClipping(_ node: Node, _ f: inout YAMLFields) -> AdaptiveClippingSettings? {
        let path = "privacy.adaptive_clipping"
        guard let map = f.mapping(node, path, allowed: Self.adaptiveClippingKeys) else { return nil }
        var settings = AdaptiveClippingSettings(targetQuantile: 0.5, learningRate: 0.2)
        var ok = true
        if let n = map["target_quantile"] {
            if let v = f.double(n, path + ".target_quantile", min: 0, max: 1, openMin: true, openMax: true) { settings.targetQuantile = v } else { ok = false }
        }
        if let n = map["learning_rate"] {
            if let v = f.double(n, path + ".learning_rate", min: 0, max: 10, openMin: true) { settings.learningRate = v } else { ok = false }
        }
        if let n = map["count_stddev"] {
            if let v = f.double(n, path + ".count_stddev", min: 0, max: 1e6, openMin: true) { settings.countStddev = v } else { ok = false }
        }
        return ok ? settings : nil
    }

    /// `audit: { canaries: m, guesses: [r, …] }`; nil (with the problems reported) when unreadable.
    private func readAudit(_ node: Node, _ f: inout YAMLFields) -> AuditSettings? {
        guard let map = f.mapping(node, "audit", allowed: Self.auditKeys) else { return nil }
        guard let canaryNode = map["canaries"] else {
            f.report(nil, "audit.canaries", "is required (the number of canaries, e.g. 1000)", fallbackLine: node.mark?.line ?? 1)
            return nil
        }
        guard let canaries = f.int(canaryNode, "audit.canaries", in: 2...20_000) else { return nil }
        var guesses: [Int]?
        if let listNode = map["guesses"] {
            guard let items = f.list(listNode, "audit.guesses") else { return nil }
            if items.isEmpty { f.report(listNode, "audit.guesses", "must list at least one guess budget"); return nil }
            let parsed = items.enumerated().compactMap { f.int($1, "audit.guesses[\($0)]", in: 2...20_000) }
            guard parsed.count == items.count else { return nil }
            guesses = parsed
        }
        return AuditSettings(canaries: canaries, guesses: guesses)
    }
}

/// `randomness:` values as written in manifests.
enum RandomnessModeName: String, CaseIterable {
    case reproducible, secure
    var mode: Randomness.RandomnessMode { self == .secure ? .secure : .reproducible }
}

import Randomness
