import Foundation
import HomomorphicEncryption
import Randomness

/// The homomorphic-encryption parameters of a job, fixed at preparation: the scheme's standard
/// parameter set for N = `key_length` (default 8192), and a threshold `HEVectorCodec` sized for
/// every key holder, the update bound and the FedAvg weights. Insecure or too small parameters
/// are refused here, before the job is recorded, with the library's error (which names the
/// 128-bit bound of the HomomorphicEncryption.org standard, or the modulus the precision needs).
///
/// Key holders are all of the job's clients, not each round's selection: the collective key must
/// exist before selection (and before Poisson selection under client-level DP, whose cohort is
/// random), and `rotate_keys_every` would mean nothing if the holders changed every round. Every
/// key holder contributes a decryption share to each round's aggregate (K-out-of-K) — unless the
/// job combines HE with `secure_aggregation: additive` (DP + HE + MPC): then every key holder
/// re-shares its secret-key share among the M share-holders at key generation
/// (`SecretKeyResharing`) and the share-holders decrypt, so clients may leave after uploading.
///
/// The key has one secret per ciphertext of an update (`HEVectorCodec.secretsPerKey`, at most
/// 16): every client's upload then shares one c1 across its ciphertexts (PVW 2008 packing), which
/// costs k public-key polynomials per key holder once per key epoch.
public struct HESetup: Sendable {
    public let codec: HEVectorCodec
    public let scheme: EncryptionSchemeName
    public let keyHolders: [Int]
    /// R of `rotate_keys_every`; nil keeps one key for the whole job.
    public let rotateEvery: Int?
    /// Client-level DP: uniform weights, divisor clients_per_round, distributed noise shares.
    public let clientLevelDP: Bool
    /// The largest Σ w_k of the integer FedAvg weights (see `integerWeights`).
    public let weightBudget: Int
    /// M share-holders that hold the re-shared decryption key (DP + HE + MPC); nil when the key
    /// holders decrypt themselves.
    public let shareHolders: Int?

    /// The share-holders' re-sharing protocol, when they decrypt.
    public var resharing: SecretKeyResharing? { shareHolders.map { SecretKeyResharing(context: context, holders: $0) } }
    /// How this job's aggregates are decrypted (recorded with every decryption).
    public var decryptionMode: HEDecryptionMode { shareHolders == nil ? .threshold : .shareHolders }

    public var context: HEContext { codec.context }

    public static let defaultRingDegree = 8192
    /// |x| bound of an update value without client-level DP (the codec refuses larger values).
    public static let updateBound = 16.0
    /// Released values are rounded to multiples of 2^−p; p is the largest of these that fits.
    static let precisionCandidates = Array(stride(from: 20, through: 8, by: -2))

    /// - Parameters:
    ///   - noiseMultiplier, maxGradNorm: the DP plan's σ and C (client-level DP sizes the bound from them).
    ///   - modulusBits: overrides the standard modulus chain (tests of the security check).
    ///   - parameterCount: the values of an update, which size the key's secrets (nil: one secret).
    /// - Throws: `HEParameterError` (insecure or unsupported parameters), `MultipartyError` or
    ///   `HECodecError` when no precision fits the parameters.
    public static func make(_ manifest: JobManifest, noiseMultiplier: Double?, maxGradNorm: Double?,
                            modulusBits: [Int]? = nil, parameterCount: Int? = nil) throws -> HESetup {
        let p = manifest.privacy
        let scheme: HEScheme = p.encryptionScheme == .bfv ? .bfv : .ckks
        let n = p.keyLength ?? defaultRingDegree
        let standard = try HEParameters.standard(scheme: scheme, ringDegree: n)
        let parameters = try modulusBits.map {
            try HEParameters(scheme: scheme, ringDegree: n, coefficientModulusBits: $0, scale: standard.scale,
                             plaintextModulusBits: standard.plaintextModulusBits)
        } ?? standard
        let context = HEContext(parameters: parameters)
        let clients = manifest.dataset.clients
        let clientDP = p.differentialPrivacy && p.unit == .client
        let holders = p.secureAggregation.combinesWithHomomorphicEncryption ? p.effectiveShareHolders : nil
        let mode: HEDecryptionMode = holders == nil ? .threshold : .shareHolders
        // The codec sizes the fresh noise for K key holders and the smudging for as many parties;
        // with share-holders the smudging parties are M, so it is sized for the larger.
        let parties = max(clients, holders ?? 0)
        let secrets = parameterCount.map { HEVectorCodec.secretsPerKey(forValues: $0, ringDegree: n) } ?? 1
        var bound = updateBound
        if clientDP, let sigma = noiseMultiplier, let c = maxGradNorm {
            // A clipped coordinate is at most C; one party's noise share has std ≤ σC; 12 standard
            // deviations are never exceeded in practice (P < 1e-32 per value).
            bound = pow(2, log2(c * (1 + 12 * sigma)).rounded(.up))
        }
        // Candidates, best first: full precision with fine weights, then coarser. Client-level DP
        // needs only Σw = cohort ≤ K (uniform weights).
        var candidates: [(precision: Int, weight: Int)] = []
        if !clientDP {
            for q in precisionCandidates { for logW in [16, 14, 12, 10] where (1 << logW) >= clients { candidates.append((q, 1 << logW)) } }
        }
        for q in precisionCandidates { candidates.append((q, clients)) }
        var lastError: Error? = nil
        for candidate in candidates {
            do {
                var codec = try HEVectorCodec(context: context, mode: mode, parties: parties, maximumTotalWeight: candidate.weight,
                                              valueBound: bound, precisionBits: candidate.precision, secretsPerKey: secrets)
                if codec.compact == nil && secrets > 1 {
                    // Full residues send every ciphertext's c1 anyway: k secrets would only add key material.
                    codec = try HEVectorCodec(context: context, mode: mode, parties: parties, maximumTotalWeight: candidate.weight,
                                              valueBound: bound, precisionBits: candidate.precision)
                }
                return HESetup(codec: codec, scheme: p.encryptionScheme, keyHolders: Array(0..<clients), rotateEvery: p.rotateKeysEvery,
                               clientLevelDP: clientDP, weightBudget: candidate.weight, shareHolders: holders)
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// The collective key generation of `epoch` (Mouchet et al. 2021, Protocol 1), against the
    /// common reference polynomial of public stream `he/epoch/E/crs` of the manifest's seed: the
    /// orchestrator and every key holder, in one process or on its own machine, derive the same one.
    public func keyGeneration(epoch: Int, publicStreams: RandomStreams) -> CollectivePublicKeyGeneration {
        CollectivePublicKeyGeneration(context: context, crs: CommonReferencePolynomial(context: context, seed: publicStreams.key("he/epoch/\(epoch)/crs")))
    }

    /// The key epoch of a round: rounds 1…R are epoch 0, R+1…2R epoch 1, and so on.
    public func epoch(ofRound round: Int) -> Int { rotateEvery.map { (round - 1) / $0 } ?? 0 }

    /// Integer FedAvg weights for sample counts n_k, applied by the aggregator as plaintext
    /// scalars with divisor Σ w_k: n_k / gcd(n) when their sum fits the budget (then exactly
    /// n_k / Σ n), otherwise round(n_k · (W − K) / Σ n) (relative error ≤ K / (2 w_k)); the
    /// `fedavg_weight_error` metric records the difference.
    public func integerWeights(_ counts: [Int]) -> [Int] {
        let g = counts.reduce(0) { gcd($0, $1) }
        guard g > 0 else { return counts.map { _ in 0 } }
        let reduced = counts.map { $0 / g }
        if reduced.reduce(0, +) <= weightBudget { return reduced }
        let total = Double(counts.reduce(0, +))
        let room = Double(weightBudget - counts.count)
        return counts.map { $0 == 0 ? 0 : max(1, Int((Double($0) * room / total).rounded())) }
    }

    private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
