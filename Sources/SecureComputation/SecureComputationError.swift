/// Errors a caller of SecureComputation can cause: bad parameters, inputs that would overflow
/// the fixed-point ring, and protocol rounds that cannot complete (too few survivors).
///
/// Broken internal invariants are `precondition`s instead; these are the conditions a pipeline
/// should report to its user.
public enum SecureComputationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A value's magnitude times 2^fractionalBits times the number of summands could reach 2^63,
    /// so the sum in Z_(2^64) could wrap to the wrong sign.
    case fixedPointOverflow(index: Int, value: Double, bound: Double, summands: Int)
    /// A non-finite input (NaN or ±∞) cannot be encoded.
    case nonFiniteValue(index: Int)
    /// Parameters that make no sense (a threshold above the number of holders, and so on).
    case invalidParameters(String)
    /// Fewer than `threshold` parties answered at `stage`, so the secrets cannot be reconstructed.
    case tooFewSurvivors(stage: String, survivors: Int, threshold: Int)
    /// A client's secrets needed `threshold` shares but only `available` arrived.
    case secretUnrecoverable(client: Int, secret: String, available: Int, threshold: Int)
    /// The surviving clients split into several components of the masking graph, so unmasking
    /// would reveal each component's sum rather than only the total (Bell et al. 2020 need the
    /// graph restricted to survivors to stay connected).
    case disconnectedSurvivors(components: Int)
    /// A message did not match what the protocol expected (wrong length, unknown sender, bad tag).
    case malformedMessage(String)
    /// Shares of vectors of different lengths were combined.
    case lengthMismatch(expected: Int, got: Int)
    /// One unmasking request named `peer` both as a survivor and as dropped, asking `client` for
    /// both shares of it (Bonawitz et al. 2017, section 4, Round 4: one kind per peer, never both).
    case conflictingUnmaskingRequest(client: Int, peer: Int)
    /// An unmasking request asked `client` for the `requested` share of `peer` after an earlier one
    /// got its `revealed` share: answering would hand the server both (see `SecAggRevealRecord`).
    case shareAlreadyRevealed(client: Int, peer: Int, revealed: SecAggShareKind, requested: SecAggShareKind)

    public var description: String {
        switch self {
        case let .fixedPointOverflow(index, value, bound, summands):
            return "fixed-point overflow: value \(value) at index \(index) exceeds ±\(bound), the largest magnitude "
                + "whose sum over \(summands) clients cannot wrap in Z_(2^64); lower fractional_bits or clip the update"
        case let .nonFiniteValue(index):
            return "cannot encode a non-finite value (NaN or infinity) at index \(index)"
        case let .invalidParameters(reason):
            return "invalid secure-computation parameters: \(reason)"
        case let .tooFewSurvivors(stage, survivors, threshold):
            return "secure aggregation failed at \(stage): \(survivors) clients remain, the threshold is \(threshold)"
        case let .secretUnrecoverable(client, secret, available, threshold):
            return "secure aggregation failed: the \(secret) of client \(client) needs \(threshold) shares, "
                + "only \(available) surviving neighbours answered"
        case let .disconnectedSurvivors(components):
            return "secure aggregation refused: the surviving clients form \(components) separate groups in the masking graph, "
                + "so unmasking would reveal partial sums; use more neighbours (secagg+) or fewer dropouts"
        case let .malformedMessage(reason):
            return "malformed secure-aggregation message: \(reason)"
        case let .lengthMismatch(expected, got):
            return "vector length mismatch: expected \(expected), got \(got)"
        case let .conflictingUnmaskingRequest(client, peer):
            return "secure aggregation refused: the unmasking request to client \(client) lists client \(peer) as both survivor "
                + "and dropped; revealing shares of both its self-mask seed and its masking key would expose client \(peer)'s input"
        case let .shareAlreadyRevealed(client, peer, revealed, requested):
            return "secure aggregation refused: client \(client) already revealed its share of the \(revealed.name(of: peer)) "
                + "and will not also reveal its share of the \(requested.name(of: peer)); with both the server could remove "
                + "every mask of client \(peer) and read its input"
        }
    }
}
