/// The two secrets a SecAgg client u shares out in round 1 and may later reveal a share of in
/// round 4 (Bonawitz et al. 2017, section 4 and figure 4): the self-mask seed b_u and the masking
/// secret key s_u^SK.
public enum SecAggShareKind: String, Sendable, Hashable, CaseIterable {
    /// b_u: revealed for a client the server says survived (u ∈ U3), so the server removes PRG(b_u).
    case selfMaskSeed
    /// s_u^SK: revealed for a client the server says dropped after sharing (u ∈ U2 \ U3), so the
    /// server removes the pairwise masks u's surviving neighbours added.
    case maskingKey

    /// The secret of `owner`, as the error messages name it.
    public func name(of owner: Int) -> String {
        switch self {
        case .selfMaskSeed: return "self-mask seed b_\(owner)"
        case .maskingKey: return "masking key s_\(owner)^SK"
        }
    }
}

/// What one SecAgg client has revealed in round 4 (Unmasking), per peer, across all the
/// unmasking requests it has answered.
///
/// Why: a client's masked input y_u = x_u + PRG(b_u) + Σ_v ±PRG(s_{u,v}) hides x_u only while the
/// server lacks b_u or s_u^SK. A server that collects t shares of both removes every mask and reads
/// x_u. Bonawitz et al. 2017 (section 4, Round 4; and the security argument of section 6) therefore
/// have each honest client answer for every peer with one kind of share only, chosen by whether the
/// peer survived. A client that judged each request on its own would let a malicious server ask
/// twice — "u survived", then "u dropped" — and collect both; this record is the client's memory
/// that stops it.
///
/// Re-asking the same kind for the same peer is allowed and answered with the same share: it tells
/// the server nothing it has not already been sent (a lost response can be re-requested).
///
/// A commitment is made for every peer of the client's group N(u) ∪ {u} that a request names,
/// whether or not the client holds that peer's share at the time, so that a share arriving later
/// cannot be revealed on the other side. The record only binds this client: a server telling
/// different clients different stories is what the paper's round 3 (ConsistencyCheck, signed
/// survivor lists) prevents, and that round is outside this honest-but-curious implementation;
/// with t > n/2 (see `SecAggConfiguration.secAgg`) no two disjoint groups of t clients exist.
public struct SecAggRevealRecord: Sendable, Hashable {
    /// peer → the kind of share of that peer this client has revealed (or committed to).
    public private(set) var revealed: [Int: SecAggShareKind] = [:]

    public init() {}

    /// The kind this client has revealed for `peer`, if any.
    public func kind(revealedFor peer: Int) -> SecAggShareKind? { revealed[peer] }

    /// Checks that a request revealing b for `survivors` and s^SK for `dropped` keeps one kind
    /// per peer, within the request and against every request answered before.
    /// - Throws: `conflictingUnmaskingRequest` if a peer is in both sets (the smallest such id is
    ///   named), `shareAlreadyRevealed` if a peer's other kind was revealed earlier.
    public func check(client: Int, survivors: Set<Int>, dropped: Set<Int>) throws {
        if let peer = survivors.intersection(dropped).min() {
            throw SecureComputationError.conflictingUnmaskingRequest(client: client, peer: peer)
        }
        for (peer, kind) in Self.asked(survivors, dropped) {
            if let earlier = revealed[peer], earlier != kind {
                throw SecureComputationError.shareAlreadyRevealed(client: client, peer: peer, revealed: earlier, requested: kind)
            }
        }
    }

    /// Records the kinds a request that passed `check` reveals. Called only once the client has
    /// decided to answer, so a refused request commits nothing.
    mutating func record(survivors: Set<Int>, dropped: Set<Int>) {
        for (peer, kind) in Self.asked(survivors, dropped) {
            precondition(revealed[peer] == nil || revealed[peer] == kind, "record(survivors:dropped:) without check")
            revealed[peer] = kind
        }
    }

    /// (peer, kind) for every peer named, ascending by peer so errors name the smallest.
    static func asked(_ survivors: Set<Int>, _ dropped: Set<Int>) -> [(peer: Int, kind: SecAggShareKind)] {
        (survivors.map { ($0, SecAggShareKind.selfMaskSeed) } + dropped.map { ($0, SecAggShareKind.maskingKey) })
            .sorted { $0.0 < $1.0 }
    }
}
