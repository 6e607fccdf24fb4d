import Yams

extension ManifestRules {
    /// `privacy.adaptive_clipping`: built for DP-FedAvg with a trusted aggregator, in this process.
    /// The clients' clip bits are summed in the clear with the updates; under HE or secure
    /// aggregation they would need the same protection as the updates, which is not built.
    func checkAdaptiveClipping(_ m: JobManifest, _ report: (String, String) -> Void) {
        let p = m.privacy
        guard p.adaptiveClipping != nil else { return }
        let key = "privacy.adaptive_clipping"
        if !(p.differentialPrivacy && p.unit == .client) {
            report(key, "adapts the clip of client-level DP (DP-FedAvg); it needs differential_privacy: true with unit: client")
        } else if p.homomorphicEncryption || p.secureAggregation != .none {
            report(key, "is built for central DP-FedAvg: with homomorphic_encryption or secure_aggregation the clients' clip bits "
                   + "would need the protection their updates get, which this build does not have; remove one of the two")
        }
        if m.federation.deployment == .agents {
            report(key, "runs with deployment: simulated only; agents clip to the fixed max_grad_norm")
        }
    }
}
