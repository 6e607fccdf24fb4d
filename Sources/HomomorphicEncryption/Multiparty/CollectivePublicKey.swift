import Randomness

/// Errors of the multiparty protocols a caller can cause.
public enum MultipartyError: Error, Sendable, Equatable, CustomStringConvertible {
    case parameterMismatch(expected: UInt64, found: UInt64)
    case noShares
    case missingShares(expected: Int, received: Int)
    case ciphertextMismatch
    case precisionUnreachable(neededBits: Double, availableBits: Double)
    /// Share-holder decryption needs a share from each of the M share-holders.
    case missingHolders(expected: Int, received: Int)
    case holderMismatch(String)
    /// Key material with another number of secrets per key than the protocol runs with (`SecretKey`).
    case secretCountMismatch(expected: Int, found: Int)

    public var description: String {
        switch self {
        case .parameterMismatch(let e, let f):
            return "share belongs to parameter set \(String(f, radix: 16)), expected \(String(e, radix: 16))"
        case .noShares: return "no shares to aggregate"
        case .missingShares(let e, let r):
            return "threshold decryption needs the shares of all \(e) key holders, received \(r)"
        case .ciphertextMismatch: return "decryption share was made for another ciphertext"
        case .precisionUnreachable(let needed, let available):
            return "threshold decryption at this precision needs a \(Int(needed.rounded(.up)))-bit ciphertext modulus, "
                + "the parameters have \(Int(available)) bits (use a larger ring degree or fewer precision bits)"
        case .missingHolders(let e, let r):
            return "share-holder decryption needs the shares of all \(e) share-holders, received \(r)"
        case .holderMismatch(let detail): return "share-holder mismatch: \(detail)"
        case .secretCountMismatch(let e, let f): return "key material for \(f) secrets per key, expected \(e)"
        }
    }
}

/// The common random polynomial a of the collective key generation, expanded from a public seed
/// that all parties share (the CRS of Mouchet et al. 2021, section 4.1). Uniform in R_Q, NTT form.
public struct CommonReferencePolynomial: Sendable {
    public let parameterID: UInt64
    public let polynomial: RNSPolynomial

    /// - Parameter seed: 32 public bytes (e.g. a named stream's key, or drawn by the aggregator and broadcast).
    public init(context: HEContext, seed: [UInt8]) {
        precondition(seed.count == 32, "the CRS seed is 32 bytes")
        var rng = ChaCha20Generator(key: seed, nonce: 0x4352_5300)  // "CRS"
        var a = RNSPolynomial(degree: context.degree, limbCount: context.maximumLimbCount, isNTTForm: true)
        RLWESampling.uniform(into: &a, moduli: context.moduli, rng: &rng)
        self.polynomial = a
        self.parameterID = context.parameterID
    }
}

/// One party's (or an aggregate of several parties') share of the collective public key:
/// p0_{i,j} = −a·s_{i,j} + e_{i,j}, one polynomial per secret j of the key.
public struct PublicKeyShare: Sendable, Equatable {
    public let parameterID: UInt64
    /// One per secret of the key.
    public let polynomials: [RNSPolynomial]
    /// How many parties' shares this sums.
    public let parties: Int
    /// The share of secret 0 (the whole share when the key has one secret).
    public var polynomial: RNSPolynomial { polynomials[0] }
}

/// Collective public-key generation among K parties (Mouchet, Troncoso-Pastoriza, Bossuat,
/// Hubaux 2021, "Multiparty homomorphic encryption from ring-learning-with-errors", Protocol 1;
/// Lattigo's `multiparty.PublicKeyGenProtocol`). Each party holds a ternary secret share s_i;
/// the collective secret s = Σ s_i is never formed anywhere.
///
/// Shape: `generateShare` (each party) → `aggregate` (anyone, e.g. the aggregator) →
/// `finalize` → a `PublicKey` (−a·s + e, a) with e = Σ e_i.
///
/// With k secrets per key (`SecretKey`) the protocol runs k times on the same CRS a: party i
/// publishes −a·s_{i,j} + e_{i,j} for j < k. Each b_j = Σ_i(−a·s_{i,j} + e_{i,j}) is an RLWE
/// sample under its own secret s_j, and (a, b_0 … b_{k−1}) is pseudorandom by a hybrid over j
/// (each step one RLWE instance with fresh secret; the reduction samples the other b's itself),
/// which is the key of PVW 2008's multi-secret Regev and of its ring version.
public struct CollectivePublicKeyGeneration: Sendable {
    public let context: HEContext
    public let crs: CommonReferencePolynomial

    public init(context: HEContext, crs: CommonReferencePolynomial) {
        precondition(crs.parameterID == context.parameterID)
        self.context = context
        self.crs = crs
    }

    /// Party i's share −a·s_{i,j} + e_{i,j} for every secret j, with e_{i,j} from the error distribution.
    public func generateShare(secretKeyShare: SecretKey, rng: inout ChaCha20Generator) -> PublicKeyShare {
        precondition(secretKeyShare.parameterID == context.parameterID, "key share belongs to other parameters")
        let p = context.publicKeyShares(secretKey: secretKeyShare, a: crs.polynomial, rng: &rng)
        return PublicKeyShare(parameterID: context.parameterID, polynomials: p, parties: 1)
    }

    /// The sum of shares, secret by secret (associative: partial aggregates may be aggregated again).
    /// - Throws: `MultipartyError.noShares`, `.parameterMismatch` or `.secretCountMismatch`.
    public func aggregate(_ shares: [PublicKeyShare]) throws -> PublicKeyShare {
        guard let first = shares.first else { throw MultipartyError.noShares }
        var sum = first.polynomials
        var parties = 0
        for s in shares {
            guard s.parameterID == context.parameterID else {
                throw MultipartyError.parameterMismatch(expected: context.parameterID, found: s.parameterID)
            }
            guard s.polynomials.count == sum.count else {
                throw MultipartyError.secretCountMismatch(expected: sum.count, found: s.polynomials.count)
            }
            parties += s.parties
        }
        for s in shares.dropFirst() { for j in sum.indices { context.add(&sum[j], s.polynomials[j]) } }
        return PublicKeyShare(parameterID: context.parameterID, polynomials: sum, parties: parties)
    }

    /// The collective public key (Σ_i p0_{i,j} for every j, a).
    public func finalize(_ aggregate: PublicKeyShare, epoch: UInt64 = 0) -> PublicKey {
        PublicKey(parameterID: context.parameterID, p0s: aggregate.polynomials, p1: crs.polynomial,
                  parties: aggregate.parties, epoch: epoch)
    }
}
