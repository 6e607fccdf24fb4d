import SecureComputation

/// How many of a round's n clients are guaranteed to reach the sum — or the round fails. Under
/// client-level DP with distributed noise each client adds N(0, σ²C²/m) for this m, so any s ≥ m
/// noisy inputs sum to noise of variance s·σ²C²/m ≥ σ²C²: the release carries at least the σC the
/// ledger accounts for, whoever drops. A client adds its noise before it can know who else will
/// upload, so m may depend only on what the round's public plan fixes in advance — never on the
/// dropouts that then happen (sizing for the survivors would rely on the future).
///
/// - secagg / secagg_plus: the protocol's threshold t (it aborts below t survivors).
/// - additive, and HE + MPC (the share-holders decrypt): `privacy.threshold` when given, else
///   n − ⌈r·n⌉ for the dropout rate r the round is designed for (`dropout_rate`, or with named
///   dropouts the largest share of `clients_per_round` named in any round) — the same design
///   rate SecAgg+ builds its graph for (Bell et al. 2020, §3). At least 1.
public enum GuaranteedSurvivors {
    /// The dropout rate rounds are designed to tolerate.
    public static func designRate(privacy p: PrivacySettings, clientsPerRound: Int) -> Double {
        p.dropoutRate ?? min(0.9, Double(p.dropouts?.values.map(\.count).max() ?? 0) / Double(max(clientsPerRound, 1)))
    }

    /// m for a round of `selected` clients.
    public static func count(selected n: Int, privacy p: PrivacySettings, clientsPerRound: Int,
                             configuration: SecAggConfiguration?) -> Int {
        if let configuration { return configuration.threshold }
        if let t = p.threshold { return min(t, n) }
        let rate = designRate(privacy: p, clientsPerRound: clientsPerRound)
        return max(1, n - Int((rate * Double(n)).rounded(.up)))
    }
}
