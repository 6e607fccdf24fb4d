import Randomness

/// What key holder i sends share-holder h at key generation: its h-th additive share r_{i,h} of
/// its secret-key share s_i, with Σ_h r_{i,h} = s_i in R_Q. The first M − 1 shares are uniform
/// in R_Q and travel as 32-byte ChaCha20 seeds; the last is the correction s_i − Σ_{h<M−1} r_{i,h},
/// a full polynomial (uniform too, to anyone who lacks one of the seeds). A key of k secrets
/// (`SecretKey`) is re-shared secret by secret: a seed expands to k polynomials, a correction
/// holds k.
public struct KeyFragment: Sendable {
    public enum Content: Sendable {
        /// A seed expanded by `SecretKeyResharing.expand` into `secrets` uniform polynomials.
        case seed([UInt8])
        /// The correction polynomials, one per secret, in NTT form over every ciphertext prime.
        case correction([RNSPolynomial])
    }

    public let parameterID: UInt64
    public let holder: Int
    public let holders: Int
    /// k, the secrets of the key share it re-shares.
    public let secrets: Int
    public let content: Content
}

/// A share-holder's additive share of the collective secret: S_h = Σ_i r_{i,h}, the sum of what
/// every key holder sent it. Σ_h S_h = Σ_i s_i = s, the collective secret, which nobody forms.
/// S_h alone is uniform in R_Q and says nothing about s.
public struct HolderKeyShare: Sendable {
    public let parameterID: UInt64
    public let holder: Int
    public let holders: Int
    /// How many key holders' fragments S_h sums (it must be all of the key's parties).
    public private(set) var keyParties: Int = 0
    /// S_{h,j} for every secret j of the key.
    var polynomials: [RNSPolynomial]
    /// S_{h,0} (the whole share when the key has one secret).
    var polynomial: RNSPolynomial { polynomials[0] }

    /// An empty share (S_h = 0) for share-holder `holder` of `holders`, of a key of `secrets` secrets.
    public init(context: HEContext, holder: Int, holders: Int, secrets: Int = 1) {
        precondition(holders >= 2 && (0..<holders).contains(holder), "share-holder \(holder) of \(holders)")
        precondition((1...HEContext.maximumSecretsPerKey).contains(secrets))
        self.parameterID = context.parameterID
        self.holder = holder
        self.holders = holders
        self.polynomials = (0..<secrets).map { _ in RNSPolynomial(degree: context.degree, limbCount: context.maximumLimbCount, isNTTForm: true) }
    }

    /// Adds one key holder's fragment to S_h.
    /// - Throws: `MultipartyError.parameterMismatch`, or `.holderMismatch` for a fragment meant
    ///   for another share-holder or another number of share-holders, `.secretCountMismatch`
    ///   for a fragment of a key with another number of secrets.
    public mutating func receive(_ fragment: KeyFragment, resharing: SecretKeyResharing) throws {
        guard fragment.parameterID == parameterID else {
            throw MultipartyError.parameterMismatch(expected: parameterID, found: fragment.parameterID)
        }
        guard fragment.holder == holder, fragment.holders == holders else {
            throw MultipartyError.holderMismatch("fragment for share-holder \(fragment.holder) of \(fragment.holders) sent to \(holder) of \(holders)")
        }
        guard fragment.secrets == polynomials.count else {
            throw MultipartyError.secretCountMismatch(expected: polynomials.count, found: fragment.secrets)
        }
        for (j, r) in resharing.expand(fragment).enumerated() { resharing.context.add(&polynomials[j], r) }
        keyParties += 1
    }
}

/// One share-holder's decryption share of one ciphertext: S_h·c1 + E_h, with smudging noise E_h
/// of the same size as a key holder's (`ThresholdDecryption.smudgingBits`).
public struct HolderDecryptionShare: Sendable, Equatable {
    public let holder: Int
    public let holders: Int
    /// The share; its `parties` is the number of key holders S_h covers.
    public let share: DecryptionShare
}

/// Threshold decryption by share-holders instead of key holders: the MPC half of "DP + HE + MPC".
///
/// Collective key generation is unchanged (Mouchet, Troncoso-Pastoriza, Bossuat, Hubaux 2021,
/// Protocol 1): each key holder (client) i draws a ternary s_i and publishes −a·s_i + e_i. At the
/// same time it splits s_i into M additive shares over R_Q (n-of-n additive secret sharing, as
/// for model updates in `AdditiveSecretSharing`), sends share h to share-holder h and erases s_i.
/// Share-holder h sums what it receives into S_h. Since decryption is linear in the key,
/// the key-switching protocol (Mouchet et al. 2021, Protocol 3) runs among the M share-holders
/// with S_h in place of s_i: h_h = S_h·c1 + E_h, and c0 + Σ_h h_h = Δ·m + e + Σ_h E_h.
///
/// What follows (threat model: honest-but-curious parties, at least one share-holder not
/// colluding with the others):
/// - Any M − 1 share-holders hold M − 1 of the shares of every s_i, jointly uniform and
///   independent of s; with their own decryption shares and c0 they miss S_j·c1 for the absent
///   j, which is uniform by RLWE — they learn nothing about m.
/// - The aggregator holds only the public key, ciphertexts and the decryption shares; each h_h is
///   flooded by E_h of 2^λ times the ciphertext's noise, which hides the decryption error (the
///   leak of Li & Micciancio 2021) as in `ThresholdDecryption`.
/// - Key holders need to be present only at key generation: decryption no longer needs every
///   client, so clients may drop out or leave after uploading their ciphertext.
/// - The share-holders decrypt what the aggregator gives them; an honest-but-curious aggregator
///   gives them only the round's aggregate (a malicious one is out of scope, as everywhere).
public struct SecretKeyResharing: Sendable {
    public let context: HEContext
    /// M, the number of share-holders (2 or 3 in privfed: alice, bob, crypto_provider).
    public let holders: Int

    public init(context: HEContext, holders: Int) {
        precondition(holders >= 2, "re-sharing needs at least two share-holders")
        self.context = context
        self.holders = holders
    }

    /// Key holder i's M fragments of `secretKeyShare` s_i: M − 1 fresh seeds from `rng`, and the
    /// correction s_i − Σ expand(seed). Fragment h goes to share-holder h.
    public func split(_ secretKeyShare: SecretKey, rng: inout ChaCha20Generator) -> [KeyFragment] {
        precondition(secretKeyShare.parameterID == context.parameterID, "key share belongs to other parameters")
        let k = secretKeyShare.secretCount
        var correction = secretKeyShare.polynomials
        var fragments: [KeyFragment] = []
        for h in 0..<(holders - 1) {
            let fragment = KeyFragment(parameterID: context.parameterID, holder: h, holders: holders, secrets: k, content: .seed(rng.bytes(32)))
            for (j, r) in expand(fragment).enumerated() { context.subtract(&correction[j], r) }
            fragments.append(fragment)
        }
        fragments.append(KeyFragment(parameterID: context.parameterID, holder: holders - 1, holders: holders, secrets: k,
                                     content: .correction(correction)))
        return fragments
    }

    /// r_{i,h,j} for every secret j, in NTT form over every ciphertext prime (a seed's uniform
    /// expansion, one stream with nonce "KEYF" for all j in order, or the correction as sent).
    public func expand(_ fragment: KeyFragment) -> [RNSPolynomial] {
        switch fragment.content {
        case .correction(let p): return p
        case .seed(let seed):
            var rng = ChaCha20Generator(key: seed, nonce: 0x4B45_5946)  // "KEYF"
            return (0..<fragment.secrets).map { _ in
                var r = RNSPolynomial(degree: context.degree, limbCount: context.maximumLimbCount, isNTTForm: true)
                RLWESampling.uniform(into: &r, moduli: context.moduli, rng: &rng)
                return r
            }
        }
    }

    /// Share-holder h's smudged decryption share of `ciphertext` (Mouchet et al. 2021,
    /// Protocol 3, with S_h as the key share).
    public func decryptionShare(of ciphertext: Ciphertext, holderKey: HolderKeyShare, threshold: ThresholdDecryption,
                                rng: inout ChaCha20Generator) -> HolderDecryptionShare {
        precondition(holderKey.holders == holders, "share-holder key of another re-sharing")
        let key = SecretKey(parameterID: holderKey.parameterID, polynomials: holderKey.polynomials)
        let one = threshold.generateShare(ciphertext: ciphertext, secretKeyShare: key, rng: &rng)
        return HolderDecryptionShare(holder: holderKey.holder, holders: holders,
                                     share: DecryptionShare(parameterID: one.parameterID, ciphertextID: one.ciphertextID,
                                                            polynomial: one.polynomial, parties: holderKey.keyParties,
                                                            smudgingBits: one.smudgingBits))
    }

    /// Σ_h h_h as one `DecryptionShare` standing for all the key holders S_h covers, ready for
    /// `ThresholdDecryption.finalize` (which checks that they are all of the key's parties).
    /// - Throws: `MultipartyError.missingHolders` unless every share-holder 0..<M contributed
    ///   exactly once, `.holderMismatch` when they cover different key holders, and the errors of
    ///   `ThresholdDecryption.aggregate` (shares of different ciphertexts or parameters).
    public func combine(_ shares: [HolderDecryptionShare], threshold: ThresholdDecryption) throws -> DecryptionShare {
        let present = Set(shares.map(\.holder))
        guard shares.count == holders, present == Set(0..<holders), shares.allSatisfy({ $0.holders == holders }) else {
            throw MultipartyError.missingHolders(expected: holders, received: present.intersection(0..<holders).count)
        }
        let parties = shares[0].share.parties
        guard shares.allSatisfy({ $0.share.parties == parties }) else {
            throw MultipartyError.holderMismatch("share-holders cover different numbers of key holders: \(shares.map(\.share.parties))")
        }
        let sum = try threshold.aggregate(shares.map(\.share))
        return DecryptionShare(parameterID: sum.parameterID, ciphertextID: sum.ciphertextID, polynomial: sum.polynomial,
                               parties: parties, smudgingBits: sum.smudgingBits)
    }
}

extension HEVectorCodec {
    /// Share-holder h's decryption shares of every ciphertext of `vector` (one ChaCha20 stream per
    /// ciphertext keyed from `rng`, so the bytes do not depend on `threads`).
    public func holderDecryptionShares(of vector: EncryptedVector, holderKey: HolderKeyShare, resharing: SecretKeyResharing,
                                       rng: inout ChaCha20Generator, threads: Int = 1) -> [HolderDecryptionShare] {
        let keys = vector.ciphertexts.map { _ in rng.bytes(32) }
        let threshold = self.threshold
        return ParallelSplit.map(count: vector.ciphertexts.count, threads: threads) { c in
            var local = ChaCha20Generator(key: keys[c])
            return resharing.decryptionShare(of: vector.ciphertexts[c], holderKey: holderKey, threshold: threshold, rng: &local)
        }
    }

    /// Decryption from the share-holders' shares: `shares[h]` are share-holder h's shares (from
    /// `holderDecryptionShares`). Returns the values divided by `divisor`, rounded to 2^−p.
    /// - Throws: `MultipartyError.missingHolders`, `.missingShares` (a key holder's fragments
    ///   never reached the share-holders) and the other share errors.
    public func decrypt(_ vector: EncryptedVector, holderShares shares: [[HolderDecryptionShare]], resharing: SecretKeyResharing,
                        divisor: Double = 1, threads: Int = 1) throws -> [Double] {
        for s in shares where s.count != vector.ciphertexts.count {
            throw HECodecError.lengthMismatch(vector.ciphertexts.count, s.count)
        }
        let combined = try (0..<vector.ciphertexts.count).map { c in
            try resharing.combine(shares.map { $0[c] }, threshold: threshold)
        }
        return try decrypt(vector, shares: [combined], divisor: divisor, threads: threads)
    }
}

extension HESerialization {
    /// Layout: common header, holder (u32), holders (u32), content tag (1 = seed, 2 = correction
    /// of a one-secret key; 3 = seed, 4 = correction of a k-secret key, followed by k in one
    /// byte), then 32 seed bytes or the k polynomials over every ciphertext prime.
    public static func serialize(_ f: KeyFragment, context: HEContext) -> [UInt8] {
        var w = ByteWriter()
        w.header(.keyFragment, context.parameterID)
        w.u32(UInt32(f.holder))
        w.u32(UInt32(f.holders))
        let multi: UInt8 = f.secrets > 1 ? 2 : 0
        switch f.content {
        case .seed(let seed):
            w.byte(1 + multi)
            if f.secrets > 1 { w.byte(UInt8(f.secrets)) }
            w.bytes.append(contentsOf: seed)
        case .correction(let p):
            w.byte(2 + multi)
            if f.secrets > 1 { w.byte(UInt8(f.secrets)) }
            for q in p { w.polynomial(q, context) }
        }
        return w.bytes
    }

    public static func deserializeKeyFragment(_ bytes: [UInt8], context: HEContext) throws -> KeyFragment {
        var r = ByteReader(bytes)
        try r.header(.keyFragment, context.parameterID)
        let (holder, holders) = try readHolder(&r)
        let content: KeyFragment.Content
        let tag = try r.byte()
        guard (1...4).contains(tag) else { throw HESerializationError.invalidField("key fragment tag \(tag)") }
        let secrets = tag > 2 ? try readSecretCount(&r) : 1
        if tag % 2 == 1 {
            var seed: [UInt8] = []
            for _ in 0..<32 { seed.append(try r.byte()) }
            content = .seed(seed)
        } else {
            content = .correction(try (0..<secrets).map { _ in try r.polynomial(context, limbs: context.maximumLimbCount) })
        }
        try r.end()
        return KeyFragment(parameterID: context.parameterID, holder: holder, holders: holders, secrets: secrets, content: content)
    }

    /// Layout: common header, holder (u32), holders (u32), then the serialized `DecryptionShare`.
    public static func serialize(_ s: HolderDecryptionShare, context: HEContext) -> [UInt8] {
        var w = ByteWriter()
        w.header(.holderDecryptionShare, context.parameterID)
        w.u32(UInt32(s.holder))
        w.u32(UInt32(s.holders))
        w.bytes.append(contentsOf: serialize(s.share, context: context))
        return w.bytes
    }

    public static func deserializeHolderDecryptionShare(_ bytes: [UInt8], context: HEContext) throws -> HolderDecryptionShare {
        var r = ByteReader(bytes)
        try r.header(.holderDecryptionShare, context.parameterID)
        let (holder, holders) = try readHolder(&r)
        let share = try deserializeDecryptionShare(Array(bytes[r.offset...]), context: context)
        return HolderDecryptionShare(holder: holder, holders: holders, share: share)
    }

    /// The share-holder index and count that follow the common header.
    private static func readHolder(_ r: inout ByteReader) throws -> (holder: Int, holders: Int) {
        let holder = Int(try r.u32()), holders = Int(try r.u32())
        guard holders >= 2 && holders <= 64 && holder < holders else { throw HESerializationError.invalidField("share-holder \(holder) of \(holders)") }
        return (holder, holders)
    }
}
