/// δ must be below 1/n for a DP guarantee to mean anything: the mechanism that publishes one of
/// n records, chosen at random, in the clear is (0, 1/n)-DP, so a δ of 1/n or more admits it
/// (Dwork & Roth 2014, §2.3: "values of δ on the order of 1/‖x‖₁ are very dangerous").
///
/// n is the smallest population a release protects: with unit `example`, the smallest client's
/// example count (each client runs DP-SGD on its own shard); with unit `client`, the number of
/// clients. `ManifestRules` applies it when the manifest alone determines n (unit client, or an
/// iid partition, whose smallest shard is ⌊examples / clients⌋); `PrivacyPlan.make` applies it
/// to the actual partition before the job starts.
enum DeltaBound {
    /// Why `delta` is refused for the population `n`, or nil when δ < 1/n.
    static func refusal(delta: Double, population n: Int, unit: PrivacyUnit) -> String? {
        guard n > 0, delta * Double(n) >= 1 else { return nil }
        let what = unit == .client ? "the number of clients (unit client)" : "the smallest client's example count (unit example)"
        return "δ = \(delta) is not below 1/n = 1/\(n), where n = \(n) is \(what): publishing one of n records in the clear "
            + "already meets δ = 1/n, so this δ promises nothing; choose δ well below 1/n (the default is \(PrivacyPlan.defaultDelta))"
    }
}
