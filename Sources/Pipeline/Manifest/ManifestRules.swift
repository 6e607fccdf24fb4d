import Yams

/// What this build of privfed can execute. A manifest that asks for more is refused with a
/// "not yet supported" error naming the key — never run with the setting silently ignored.
public struct PipelineCapabilities: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let differentialPrivacy = PipelineCapabilities(rawValue: 1 << 0)
    public static let homomorphicEncryption = PipelineCapabilities(rawValue: 1 << 1)
    public static let secureAggregation = PipelineCapabilities(rawValue: 1 << 2)
    public static let secureEvaluation = PipelineCapabilities(rawValue: 1 << 3)

    /// What the stages in this build implement.
    public static let current: PipelineCapabilities = [.differentialPrivacy, .homomorphicEncryption, .secureAggregation, .secureEvaluation]
    public static let all: PipelineCapabilities = [.differentialPrivacy, .homomorphicEncryption, .secureAggregation, .secureEvaluation]
}

/// The stage list a set of privacy settings implies.
public enum StagePlan {
    /// With homomorphic encryption and `secure_aggregation: additive` (DP + HE + MPC) the updates
    /// travel as ciphertexts, so there is nothing to share or reconstruct per round: the MPC part
    /// is the decryption key, re-shared among the share-holders at key generation, and `decrypt`
    /// runs at the share-holders.
    public static func stages(for privacy: PrivacySettings) -> [StageName] {
        let sharesUpdates = privacy.secureAggregation != .none && !privacy.homomorphicEncryption
        var stages: [StageName] = [.selectClients, .localTrain]
        if privacy.homomorphicEncryption { stages.append(.encrypt) }
        if sharesUpdates { stages.append(.share) }
        stages.append(.aggregate)
        if sharesUpdates { stages.append(.reconstruct) }
        if privacy.homomorphicEncryption { stages.append(.decrypt) }
        stages.append(.evaluate)
        return stages
    }

    /// Stages a manifest may add after the planned ones.
    public static let optional: [StageName] = [.secureEvaluate]
}

/// Cross-field rules: combinations that cannot run, and settings that would have no effect.
struct ManifestRules {
    let capabilities: PipelineCapabilities

    func check(_ m: JobManifest, root: Node, _ f: inout YAMLFields) {
        func report(_ path: String, _ message: String) {
            f.report(node(at: path, in: root), path, message, fallbackLine: nearestLine(path, root))
        }
        let ds = m.dataset, fed = m.federation, p = m.privacy
        let examples = ds.trainExamples ?? 60_000

        if fed.clientsPerRound > ds.clients {
            report("federation.clients_per_round", "\(fed.clientsPerRound) clients per round but only \(ds.clients) clients in dataset.clients")
        }
        switch ds.partition.scheme {
        case .iid:
            if ds.clients > examples { report("dataset.clients", "\(ds.clients) clients cannot each get an example of \(examples)") }
        case .dirichlet:
            if ds.partition.alpha == nil { report("dataset.partition.alpha", "is required for the dirichlet scheme (e.g. 0.5)") }
            if ds.clients > examples { report("dataset.clients", "\(ds.clients) clients cannot each get an example of \(examples)") }
        case .shards:
            let shards = ds.partition.shardsPerClient ?? 2
            if ds.clients * shards > examples {
                report("dataset.partition.shards_per_client", "\(ds.clients) × \(shards) shards exceed the \(examples) training examples")
            }
        }
        if ds.partition.alpha != nil && ds.partition.scheme != .dirichlet {
            report("dataset.partition.alpha", "only applies to scheme: dirichlet (scheme is \(ds.partition.scheme.rawValue))")
        }
        if ds.partition.shardsPerClient != nil && ds.partition.scheme != .shards {
            report("dataset.partition.shards_per_client", "only applies to scheme: shards (scheme is \(ds.partition.scheme.rawValue))")
        }
        if m.model.architecture == .mlp && m.model.activation != .relu {
            report("model.activation", "the mlp is 784-128-10 with ReLU; activation applies to the cnn only")
        }
        checkFeatures(m, root: root, report)
        checkAdaptiveClipping(m, report)

        // Privacy: settings without their switch have no effect, and are refused as such.
        let dpKeys: [(String, Bool)] = [("epsilon", p.epsilon != nil), ("delta", p.delta != nil), ("noise_multiplier", p.noiseMultiplier != nil),
                                         ("max_grad_norm", p.maxGradNorm != nil)]
        if !p.differentialPrivacy {
            for (key, present) in dpKeys where present {
                report("privacy.\(key)", "has no effect unless privacy.differential_privacy is true")
            }
            if isPresent("privacy.unit", root) { report("privacy.unit", "has no effect unless privacy.differential_privacy is true") }
            if isPresent("privacy.accountant", root) { report("privacy.accountant", "has no effect unless privacy.differential_privacy is true") }
        } else {
            if p.epsilon == nil { report("privacy.epsilon", "is required with differential_privacy: true (the privacy budget)") }
            // The smallest population a release protects, when the manifest alone fixes it.
            let smallest: Int? = p.unit == .client ? ds.clients : (ds.partition.scheme == .iid && ds.clients > 0 ? examples / ds.clients : nil)
            if let smallest, let reason = DeltaBound.refusal(delta: p.delta ?? PrivacyPlan.defaultDelta, population: smallest, unit: p.unit) {
                report("privacy.delta", reason)
            }
            if !capabilities.contains(.differentialPrivacy) {
                report("privacy.differential_privacy", "not yet supported by this version of privfed (the DP-SGD and ledger stages are not built yet)")
            }
        }
        let heKeys = ["encryption_scheme", "key_length", "rotate_keys_every"]
        if !p.homomorphicEncryption {
            for key in heKeys where isPresent("privacy.\(key)", root) {
                report("privacy.\(key)", "has no effect unless privacy.homomorphic_encryption is true")
            }
        } else if !capabilities.contains(.homomorphicEncryption) {
            report("privacy.homomorphic_encryption", "not yet supported by this version of privfed (the encrypt/decrypt stages are not built yet)")
        }
        if p.shareHolders != nil && p.secureAggregation != .additive {
            report("privacy.share_holders", "only applies to secure_aggregation: additive")
        }
        if isPresent("privacy.threshold", root) && p.secureAggregation == .none {
            report("privacy.threshold", "only applies to secure_aggregation: additive (the survivors a round needs), secagg or secagg_plus")
        }
        if isPresent("privacy.dropout_rate", root) && p.secureAggregation == .none {
            report("privacy.dropout_rate", "simulates dropouts of secure aggregation; it needs secure_aggregation: additive, secagg or secagg_plus")
        }
        if p.secureAggregation != .none && !capabilities.contains(.secureAggregation) {
            report("privacy.secure_aggregation", "not yet supported by this version of privfed (the share/reconstruct stages are not built yet)")
        }
        if p.homomorphicEncryption && p.secureAggregation.usesThreshold {
            report("privacy.secure_aggregation", "\(p.secureAggregation.rawValue) masks plaintext updates pairwise, but with "
                   + "privacy.homomorphic_encryption the updates are already ciphertexts; combine HE with MPC by "
                   + "secure_aggregation: additive (the decryption key is split among the share_holders), or turn one of them off")
        }
        if let named = p.dropouts {
            checkNamedDropouts(named, m, report)
        }
        if let t = p.threshold, t > fed.clientsPerRound {
            report("privacy.threshold", "threshold \(t) exceeds the \(fed.clientsPerRound) clients per round")
        } else if let t = p.threshold, p.secureAggregation == .secagg, 2 * t <= fed.clientsPerRound {
            // Bonawitz et al. 2017: with t ≤ n/2 two disjoint groups of clients could each rebuild a
            // different secret of the same client (mask key and self mask) and unmask its update.
            report("privacy.threshold", "threshold \(t) is not a majority of the \(fed.clientsPerRound) clients per round: "
                   + "secagg needs t > n/2 (at least \(fed.clientsPerRound / 2 + 1)) so that no two disjoint groups can unmask an update")
        }
        if p.secureAggregation.usesThreshold && fed.clientsPerRound < 2 {
            report("federation.clients_per_round", "pairwise-mask secure aggregation needs at least 2 clients per round")
        }
        if let rate = p.dropoutRate, p.secureAggregation != .none,
           fed.clientsPerRound - Int((rate * Double(fed.clientsPerRound)).rounded()) < 1 {
            report("privacy.dropout_rate", "dropout_rate \(rate) would drop every one of the \(fed.clientsPerRound) clients per round")
        }

        if let audit = m.audit { checkAudit(audit, m, report) }
        checkDeployment(m, root: root, report)

        // Stages: exactly the planned ones, in order, optionally followed by extras.
        let planned = StagePlan.stages(for: p)
        if m.stages != planned {
            let extras = Array(m.stages.dropFirst(planned.count))
            let prefixOK = Array(m.stages.prefix(planned.count)) == planned
            if !prefixOK || extras.contains(where: { !StagePlan.optional.contains($0) }) {
                report("stages", "with these privacy settings the stages are [\(planned.map(\.rawValue).joined(separator: ", "))]"
                       + ", optionally followed by \(StagePlan.optional.map(\.rawValue).joined(separator: ", ")); got [\(m.stages.map(\.rawValue).joined(separator: ", "))]")
            } else if extras.contains(.secureEvaluate) && !capabilities.contains(.secureEvaluation) {
                report("stages", "secure_evaluate is not yet supported by this version of privfed")
            }
        }
        if m.stages.contains(.secureEvaluate) && m.model.architecture != .mlp {
            report("stages", "secure_evaluate runs the 784-128-10 mlp on secret shares (Beaver-triple matrix products and a secure "
                   + "ReLU comparison); the cnn's convolutions and max-pooling are not implemented on shares — use model.architecture: mlp")
        }
    }

    /// The canaries are the last m MNIST training images and must stay out of the real training
    /// data; every guess budget must fit in the m canaries. (Every stage plan trains, so the
    /// canaries always reach a local_train stage.)
    /// `deployment: agents` runs what the agent link carries today: plain FedAvg and
    /// example-level DP-SGD, whose noise each agent adds and accounts itself, under SecAgg/SecAgg+,
    /// additive sharing with share-holders of their own, threshold HE, or HE with the
    /// share-holders decrypting (DP + HE + MPC). What it does not carry yet (client-level DP,
    /// canaries the auditor plants in a client's data, secure evaluation) is refused by name
    /// rather than run in a weaker form.
    func checkDeployment(_ m: JobManifest, root: Node, _ report: (String, String) -> Void) {
        let fed = m.federation, p = m.privacy
        guard fed.deployment == .agents else {
            for key in ["min_clients", "round_timeout", "join_timeout"] where isPresent("federation.\(key)", root) {
                report("federation.\(key)", "has no effect unless federation.deployment is agents")
            }
            return
        }
        let unsupported = "is not yet supported with deployment: agents (the agent link carries plain FedAvg, example-level DP-SGD, "
            + "SecAgg/SecAgg+, additive sharing with share-holders, threshold HE, DP + HE + MPC and ScatterNet features)"
        if p.secureAggregation != .none {
            for key in ["dropouts", "dropout_rate"] where isPresent("privacy.\(key)", root) {
                report("privacy.\(key)", "simulates dropouts; with deployment: agents the dropouts are the agents that do not answer")
            }
            let least = fed.minClients ?? fed.clientsPerRound
            if least < max(2, p.threshold ?? 2) {
                report(fed.minClients == nil ? "federation.clients_per_round" : "federation.min_clients",
                       "a round of secure aggregation needs at least \(max(2, p.threshold ?? 2)) agents (2, and the threshold); it would go on with \(least)")
            }
        }
        if p.differentialPrivacy && p.unit == .client { report("privacy.unit", "client \(unsupported)") }
        if m.audit != nil { report("audit", unsupported) }
        if m.stages.contains(.secureEvaluate) { report("stages", "secure_evaluate \(unsupported)") }
        if let least = fed.minClients, least > fed.clientsPerRound {
            report("federation.min_clients", "\(least) exceeds the \(fed.clientsPerRound) clients per round")
        }
    }

    func checkAudit(_ audit: AuditSettings, _ m: JobManifest, _ report: (String, String) -> Void) {
        let pool = CanarySet.poolSize, used = m.dataset.trainExamples ?? pool
        if used + audit.canaries > pool {
            report("audit.canaries", "the \(audit.canaries) canaries are the last \(audit.canaries) of the \(pool) MNIST training images "
                   + "and must stay out of the training data: set dataset.train_examples to at most \(pool - audit.canaries) (it is \(used))")
        }
        for r in audit.guesses ?? [] where r > audit.canaries {
            report("audit.guesses", "a budget of \(r) guesses exceeds the \(audit.canaries) canaries")
        }
    }

    /// `privacy.dropouts`: needs secure aggregation, excludes `dropout_rate` (two ways of saying
    /// who drops), and names rounds and clients of this job, each client once per round. Whether a
    /// named client is selected in its round is known only when the round runs (selection is
    /// random, Poisson under client-level DP): one that is not is skipped with a warning then.
    private func checkNamedDropouts(_ named: [Int: [Int]], _ m: JobManifest, _ report: (String, String) -> Void) {
        let p = m.privacy, fed = m.federation
        if p.secureAggregation == .none {
            report("privacy.dropouts", "simulates dropouts of secure aggregation; it needs secure_aggregation: additive, secagg or secagg_plus")
        }
        if p.dropoutRate != nil {
            report("privacy.dropouts", "give either dropout_rate (random dropouts every round) or dropouts (named clients per round), not both")
        }
        for (round, clients) in named.sorted(by: { $0.key < $1.key }) {
            let path = "privacy.dropouts.\(round)"
            if round > fed.rounds { report(path, "round \(round) is beyond federation.rounds (\(fed.rounds))") }
            if let bad = clients.first(where: { $0 >= m.dataset.clients }) {
                report(path, "client \(bad) does not exist: clients are 0...\(m.dataset.clients - 1) (dataset.clients \(m.dataset.clients))")
            }
            if Set(clients).count != clients.count { report(path, "names a client more than once") }
        }
    }

    /// The node at a dotted key path, for its line.
    func node(at path: String, in root: Node) -> Node? {
        var current: Node? = root
        for key in path.split(separator: ".") {
            guard case .mapping(let map)? = current else { return nil }
            current = map.first { $0.key.scalar?.string == String(key) }?.value
        }
        return current
    }

    func isPresent(_ path: String, _ root: Node) -> Bool { node(at: path, in: root) != nil }

    /// The line of the deepest existing ancestor of `path`.
    func nearestLine(_ path: String, _ root: Node) -> Int {
        var parts = path.split(separator: ".").map(String.init)
        while !parts.isEmpty {
            if let line = node(at: parts.joined(separator: "."), in: root)?.mark?.line { return line }
            parts.removeLast()
        }
        return 1
    }
}
