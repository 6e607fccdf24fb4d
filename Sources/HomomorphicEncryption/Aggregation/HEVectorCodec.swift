import Foundation
import Randomness

/// Errors of vector aggregation a caller can cause.
public enum HECodecError: Error, Sendable, Equatable, CustomStringConvertible {
    case overflow(detail: String)
    case lengthMismatch(Int, Int)
    case weightCountMismatch(vectors: Int, weights: Int)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .overflow(let detail): return "encoding would overflow: \(detail)"
        case .lengthMismatch(let a, let b): return "encrypted vectors hold different numbers of values: \(a) vs \(b)"
        case .weightCountMismatch(let v, let w): return "\(v) vectors but \(w) weights"
        case .invalidArgument(let s): return s
        }
    }
}

/// How an aggregate is decrypted, as recorded by the pipeline.
public enum HEDecryptionMode: String, Sendable, Codable, CaseIterable {
    /// One party holds the whole secret key (benchmarks, tests).
    case singleKey = "single-key"
    /// Every key holder contributes a smudged decryption share; nobody holds the key.
    case threshold
    /// The key holders' secret-key shares are additively re-shared among M share-holders at key
    /// generation (`SecretKeyResharing`); the share-holders contribute the smudged decryption
    /// shares, so key holders may leave after uploading. Sized like `threshold`.
    case shareHolders = "share-holders"
}

/// A vector of values encrypted as consecutive ciphertexts (slot j of ciphertext c holds value
/// c·slots + j).
public struct EncryptedVector: Sendable {
    public let count: Int
    public internal(set) var ciphertexts: [Ciphertext]
    /// A bound on |value| of every encrypted value (the codec's bound, times weights).
    public internal(set) var valueBound: Double
}

/// Packs `[Float]` updates of any length into ciphertexts, sums them homomorphically, applies
/// integer (FedAvg) weights and decrypts the aggregate — the API of the pipeline's HE stages.
///
/// CKKS: N values per ciphertext, one per coefficient (`CKKSCoefficientEncoding`), at scale Δ.
/// Threshold modes use the compact wire forms of `compact` (`CompactWire`): Δ sits just below
/// Q/(4·W·|x|), and the layout keeps of each coefficient only the bits above what the
/// smudging hides. BFV: N values per ciphertext as fixed-point
/// integers ⌊x·2^p⌉ mod t, exact sums as long as Σ w_k·|x_k|·2^p < t/2, which `init` checks.
/// Weights are integers (e.g. example counts n_k); the caller divides by Σ n_k through the
/// `divisor` of the decryption, so FedAvg's Σ (n_k/n)·x_k needs no rescaling.
/// Released values are rounded to multiples of 2^−p (p = `precisionBits`).
public struct HEVectorCodec: Sendable {
    public let context: HEContext
    public let mode: HEDecryptionMode
    /// CKKS: the encoding scale Δ; BFV: the fixed-point scale 2^p.
    public let scale: Double
    public let precisionBits: Int
    /// The largest Σ w_k the aggregate may carry (number of clients for plain sums).
    public let maximumTotalWeight: Int
    /// The largest |x| any client may encode.
    public let valueBound: Double
    public let threshold: ThresholdDecryption
    /// The compact wire forms of the threshold modes (nil in single-key mode, which sends full residues).
    public let compact: CompactLayout?
    /// k, the secrets of the key it encrypts under (`SecretKey`): consecutive ciphertexts are
    /// encrypted k at a time with one u and share c1 (PVW 2008), ciphertext c under s_{c mod k}.
    /// The per-message noise is that of a one-secret encryption, so the layout does not depend on k.
    public let secretsPerKey: Int

    /// - Parameters:
    ///   - parties: K, key holders (clients) of the collective key (at least the number of parties
    ///     adding smudging noise); 1 for single-key mode.
    ///   - maximumTotalWeight: the largest Σ w_k of a weighted sum (clients, or Σ n_k).
    ///   - valueBound: a bound on |x| for every encoded value (e.g. the clipping norm).
    ///   - precisionBits: p; decoded values are rounded to multiples of 2^−p.
    ///   - secretsPerKey: k of the key (1...`HEContext.maximumSecretsPerKey`).
    /// - Throws: `HECodecError.overflow` or `MultipartyError.precisionUnreachable` when the
    ///   parameters cannot hold the aggregate at this precision; the message says what is needed.
    public init(context: HEContext, mode: HEDecryptionMode, parties: Int, maximumTotalWeight: Int,
                valueBound: Double, precisionBits: Int = 20, statisticalSecurity: Int = 40, secretsPerKey: Int = 1) throws {
        guard parties >= 1, maximumTotalWeight >= 1, valueBound > 0, (1...40).contains(precisionBits) else {
            throw HECodecError.invalidArgument("parties, weights and value bound must be positive and precision 1...40 bits")
        }
        guard (1...HEContext.maximumSecretsPerKey).contains(secretsPerKey) else {
            throw HECodecError.invalidArgument("1...\(HEContext.maximumSecretsPerKey) secrets per key, not \(secretsPerKey)")
        }
        self.secretsPerKey = secretsPerKey
        self.context = context
        self.mode = mode
        self.precisionBits = precisionBits
        self.maximumTotalWeight = maximumTotalWeight
        self.valueBound = valueBound
        let threshold = ThresholdDecryption(context: context, statisticalSecurity: statisticalSecurity)
        self.threshold = threshold
        let fresh = RLWENoise.freshPublicKey(degree: context.degree, parties: parties)
        let aggregateNoise = context.parameters.scheme == .bfv
            ? BFVNoise.weightedSum(freshNoise: fresh, totalWeight: maximumTotalWeight) : Double(maximumTotalWeight) * fresh
        let logQ = context.logModulus(limbs: context.maximumLimbCount)
        let logMessage = log2(Double(maximumTotalWeight) * valueBound)
        func layout(budget: Double, sumRounding: Double) -> (layout: CompactLayout?, neededBits: Double) {
            let (found, least) = CompactLayout.smallest(context: context, threshold: threshold, parties: parties, totalWeight: maximumTotalWeight,
                                                        freshNoise: fresh, sumRounding: sumRounding, budget: budget)
            return (found, least.isFinite ? (logQ + log2(least / budget)).rounded(.up) : logQ + 1)
        }
        switch context.parameters.scheme {
        case .ckks:
            if mode == .singleKey {
                scale = context.parameters.scale
                compact = nil
                let needed = log2(scale) + logMessage + 2
                guard needed <= min(logQ, 190) else {
                    throw MultipartyError.precisionUnreachable(neededBits: needed, availableBits: logQ.rounded(.down))
                }
            } else {
                // The message W·|x|·Δ at most Q/4; every error (noise, smudging, compression) a
                // worst-case bound on the coefficients, which with coefficient encoding bound the
                // values: together at most Δ·2^−(p+1).
                scale = pow(2, logQ.rounded(.down) - logMessage.rounded(.up) - 2)
                let (found, needed) = layout(budget: scale * pow(2, -Double(precisionBits + 1)), sumRounding: 0)
                guard let found else { throw MultipartyError.precisionUnreachable(neededBits: needed, availableBits: logQ.rounded(.down)) }
                compact = found
            }
        case .bfv:
            scale = pow(2, Double(precisionBits))
            let t = Double(context.plaintextModulus!)
            guard Double(maximumTotalWeight) * valueBound * scale < t / 2 else {
                throw HECodecError.overflow(detail: "Σw·|x|·2^p = 2^\(String(format: "%.1f", logMessage + Double(precisionBits))) "
                    + "must stay below t/2 = 2^\(String(format: "%.1f", log2(t / 2))); lower precisionBits or the bounds")
            }
            if mode == .singleKey {
                compact = nil
            } else {
                // Exact decoding needs every error below Δ/2 − 1 (`BFVEncoder.decodeNoisy`), Δ = ⌊Q/t⌋.
                let tolerance = pow(2, logQ - log2(t)) / 2 - 2
                compact = layout(budget: tolerance, sumRounding: aggregateNoise - Double(maximumTotalWeight) * fresh).layout
                if compact == nil {
                    // No layout fits (its smudging would pass `RLWESampling.maximumWideBits`):
                    // full residues, checked as before.
                    let b = Double(threshold.smudgingBits(noiseBound: aggregateNoise))
                    guard b + log2(Double(parties)) < logQ - log2(t) - 1 else {
                        throw MultipartyError.precisionUnreachable(neededBits: b + log2(Double(parties)) + log2(t) + 1, availableBits: logQ)
                    }
                }
            }
        }
    }

    /// The k a threshold aggregation of `count` values uses: one secret per ciphertext of the
    /// vector, up to `HEContext.maximumSecretsPerKey`, so one c1 serves a whole upload of up to
    /// 16·N values. What it costs is key material once per key epoch: k public-key polynomials
    /// per party instead of one (and k in the collective key and the re-shared fragments).
    public static func secretsPerKey(forValues count: Int, ringDegree: Int) -> Int {
        max(1, min(HEContext.maximumSecretsPerKey, (count + ringDegree - 1) / ringDegree))
    }

    /// Values per ciphertext: N (CKKS in the coefficients, BFV in its N slots).
    public var slotsPerCiphertext: Int { context.degree }

    /// The coefficients the decoder reads of ciphertext `index` of a vector of `count` values
    /// (CKKS: that ciphertext's values; BFV: all N, since its slots mix every coefficient).
    public func coefficientsRead(ciphertext index: Int, ofValues count: Int) -> Int {
        context.parameters.scheme == .bfv ? context.degree : min(slotsPerCiphertext, count - index * slotsPerCiphertext)
    }

    /// Ciphertexts needed for `count` values.
    public func ciphertextCount(forValues count: Int) -> Int { (count + slotsPerCiphertext - 1) / slotsPerCiphertext }

    /// The ciphertexts of a vector of `count` values that share one c1, group by group: k
    /// consecutive ones (the last group may hold fewer), member j under s_j.
    public func groups(forValues count: Int) -> [Range<Int>] {
        let total = ciphertextCount(forValues: count)
        return stride(from: 0, to: total, by: secretsPerKey).map { $0..<min(total, $0 + secretsPerKey) }
    }

    /// Bytes of the serialized ciphertexts of `vector` (what goes on the wire).
    public func serializedByteCount(of vector: EncryptedVector) -> Int {
        guard compact == nil else { return serializedByteCount(forValues: vector.count) }
        return vector.ciphertexts.reduce(0) { $0 + HESerialization.byteCount(of: $1, context: context) }
    }

    /// Bytes of one party's serialized decryption shares for `vector`.
    public func decryptionShareByteCount(of vector: EncryptedVector) -> Int {
        guard let compact else {
            return vector.ciphertexts.reduce(0) { $0 + HESerialization.decryptionShareByteCount(context: context, limbs: $1.limbCount) }
        }
        return (0..<vector.ciphertexts.count).reduce(0) {
            $0 + CompactWire.shareByteCount(layout: compact, count: coefficientsRead(ciphertext: $1, ofValues: vector.count))
        }
    }

    /// Serialized bytes of a fresh encrypted vector of `count` values.
    public func serializedByteCount(forValues count: Int) -> Int {
        let ciphertexts = ciphertextCount(forValues: count)
        guard let compact else {
            return ciphertexts * HESerialization.ciphertextByteCount(context: context, limbs: context.maximumLimbCount)
        }
        return groups(forValues: count).reduce(0) { total, group in
            total + CompactWire.groupByteCount(context: context, layout: compact, counts: group.map { coefficientsRead(ciphertext: $0, ofValues: count) })
        }
    }

    /// Encrypts `values` under `publicKey`, a key of `secretsPerKey` secrets, group by group
    /// (`groups`: one u and one c1 per group). Each group gets its own ChaCha20 stream keyed from
    /// `rng` before the work is split over `threads`, so the bytes do not depend on `threads`.
    /// - Throws: `HECodecError.overflow` when a value exceeds `valueBound`, `.invalidArgument`
    ///   for a key of another number of secrets.
    public func encrypt(_ values: [Float], publicKey: PublicKey, rng: inout ChaCha20Generator, threads: Int = 1) throws -> EncryptedVector {
        if let bad = values.first(where: { !(abs(Double($0)) <= valueBound) }) {
            throw HECodecError.overflow(detail: "value \(bad) exceeds the declared bound \(valueBound)")
        }
        guard publicKey.secretCount == secretsPerKey else {
            throw HECodecError.invalidArgument("the key has \(publicKey.secretCount) secrets, the codec encrypts under \(secretsPerKey)")
        }
        let groups = groups(forValues: values.count)
        let keys = groups.map { _ in rng.bytes(32) }
        let slots = slotsPerCiphertext, context = self.context, scale = self.scale
        let encrypted: [[Ciphertext]] = ParallelSplit.map(count: groups.count, threads: threads) { g in
            var local = ChaCha20Generator(key: keys[g])
            let messages = groups[g].map { c in
                let chunk = values[(c * slots)..<min(values.count, (c + 1) * slots)]
                switch context.parameters.scheme {
                case .ckks:
                    return try! CKKSCoefficientEncoding(context: context).encode(chunk, scale: scale).polynomial
                case .bfv:
                    return try! BFVEncoder(context: context).scaledMessage(chunk.map { Int64((Double($0) * scale).rounded()) })
                }
            }
            return context.encrypt(messages: messages, scale: context.parameters.scheme == .ckks ? scale : 1, publicKey: publicKey, rng: &local)
        }
        return EncryptedVector(count: values.count, ciphertexts: Array(encrypted.joined()), valueBound: valueBound)
    }

    /// Σ_k w_k · v_k for integer weights (nil: all ones), ciphertext by ciphertext.
    /// - Throws: `HECodecError` for mismatched lengths or weights, or an evaluation error.
    public func weightedSum(_ vectors: [EncryptedVector], weights: [Int]? = nil, threads: Int = 1) throws -> EncryptedVector {
        guard let first = vectors.first else { throw HEEvaluationError.emptyInput }
        for v in vectors where v.count != first.count || v.ciphertexts.count != first.ciphertexts.count {
            throw HECodecError.lengthMismatch(first.count, v.count)
        }
        if let weights {
            guard weights.count == vectors.count else { throw HECodecError.weightCountMismatch(vectors: vectors.count, weights: weights.count) }
            guard weights.allSatisfy({ $0 >= 0 }), weights.reduce(0, +) <= maximumTotalWeight else {
                throw HECodecError.overflow(detail: "weights must be non-negative with Σw ≤ \(maximumTotalWeight)")
            }
        } else if vectors.count > maximumTotalWeight {
            throw HECodecError.overflow(detail: "\(vectors.count) vectors exceed the \(maximumTotalWeight) the codec was sized for")
        }
        let context = self.context, compact = self.compact
        let results: [Result<Ciphertext, Error>] = ParallelSplit.map(count: first.ciphertexts.count, threads: threads) { c in
            Result {
                var total: Ciphertext? = nil
                for (k, v) in vectors.enumerated() {
                    var term = v.ciphertexts[c]
                    if let weights, weights[k] != 1 { term = context.multiply(term, byInteger: Int64(weights[k])) }
                    if total == nil { total = term } else { try context.addInPlace(&total!, term) }
                }
                // Compact: the sum's c1 rounded to the c1 width, exactly what key holders download.
                if let compact { context.roundC1(&total!, width: compact.ciphertextWidth) }
                return total!
            }
        }
        let bound = weights.map { w in zip(vectors, w).reduce(0.0) { $0 + $1.0.valueBound * Double($1.1) } }
            ?? vectors.reduce(0.0) { $0 + $1.valueBound }
        return EncryptedVector(count: first.count, ciphertexts: try results.map { try $0.get() }, valueBound: bound)
    }

    /// CKKS only: every value times the real w, by a constant product at scale q_ℓ followed by a
    /// rescale (the scale is unchanged, one prime is consumed).
    /// - Throws: `CKKSError.wrongScheme` for BFV (use integer weights), `HEEvaluationError.cannotRescale`,
    ///   or `MultipartyError.precisionUnreachable` when the remaining primes cannot hold the values.
    public func multiply(_ vector: EncryptedVector, byReal w: Double, threads: Int = 1) throws -> EncryptedVector {
        guard context.parameters.scheme == .ckks else { throw CKKSError.wrongScheme(context.parameters.scheme) }
        guard let limbs = vector.ciphertexts.first?.limbCount, limbs > 1 else { throw HEEvaluationError.cannotRescale }
        let needed = log2(scale * Double(maximumTotalWeight) * valueBound * max(abs(w), 1)) + 2
        let available = context.logModulus(limbs: limbs - 1)
        guard needed <= min(available, 190) else {
            throw MultipartyError.precisionUnreachable(neededBits: needed, availableBits: available.rounded(.down))
        }
        let context = self.context
        let results: [Result<Ciphertext, Error>] = ParallelSplit.map(count: vector.ciphertexts.count, threads: threads) { c in
            Result { try context.multiplyAndRescale(vector.ciphertexts[c], byReal: w) }
        }
        return EncryptedVector(count: vector.count, ciphertexts: try results.map { try $0.get() }, valueBound: vector.valueBound * abs(w))
    }

    /// One party's decryption shares of every ciphertext of `vector`.
    public func decryptionShares(of vector: EncryptedVector, secretKeyShare: SecretKey, rng: inout ChaCha20Generator,
                                 threads: Int = 1) -> [DecryptionShare] {
        let keys = vector.ciphertexts.map { _ in rng.bytes(32) }
        let threshold = self.threshold
        return ParallelSplit.map(count: vector.ciphertexts.count, threads: threads) { c in
            var local = ChaCha20Generator(key: keys[c])
            return threshold.generateShare(ciphertext: vector.ciphertexts[c], secretKeyShare: secretKeyShare, rng: &local)
        }
    }

    /// Threshold decryption: `shares[i]` are party i's shares (from `decryptionShares`), every
    /// party of the key must contribute. Returns the values divided by `divisor`, rounded to 2^−p.
    /// - Throws: `MultipartyError.missingShares` and the other share errors.
    public func decrypt(_ vector: EncryptedVector, shares: [[DecryptionShare]], divisor: Double = 1, threads: Int = 1) throws -> [Double] {
        guard !shares.isEmpty else { throw MultipartyError.noShares }
        for s in shares where s.count != vector.ciphertexts.count {
            throw HECodecError.lengthMismatch(vector.ciphertexts.count, s.count)
        }
        let threshold = self.threshold
        let results: [Result<RNSPolynomial, Error>] = ParallelSplit.map(count: vector.ciphertexts.count, threads: threads) { c in
            Result {
                let aggregate = try threshold.aggregate(shares.map { $0[c] })
                return try threshold.finalize(ciphertext: vector.ciphertexts[c], aggregate: aggregate)
            }
        }
        let polynomials = try results.map { try $0.get() }
        return decode(polynomials, vector: vector, divisor: divisor, threads: threads)
    }

    /// Single-key decryption (benchmarks, tests). CKKS decrypts over the fewest primes that hold
    /// Δ·`valueBound` plus noise.
    public func decrypt(_ vector: EncryptedVector, secretKey: SecretKey, divisor: Double = 1, threads: Int = 1) -> [Double] {
        let context = self.context
        let polynomials = ParallelSplit.map(count: vector.ciphertexts.count, threads: threads) { c in
            let ct = vector.ciphertexts[c]
            let limbs = context.parameters.scheme == .bfv ? ct.limbCount
                : context.minimalLimbs(forMagnitude: ct.scale * vector.valueBound + ct.noiseBound, available: ct.limbCount)
            return context.decryptToPolynomial(ct, secretKey: secretKey, limbs: limbs)
        }
        return decode(polynomials, vector: vector, divisor: divisor, threads: threads)
    }

    func decode(_ polynomials: [RNSPolynomial], vector: EncryptedVector, divisor: Double, threads: Int) -> [Double] {
        let context = self.context, scale = self.scale, slots = slotsPerCiphertext
        let chunks: [[Double]] = ParallelSplit.map(count: polynomials.count, threads: threads) { c in
            switch context.parameters.scheme {
            case .ckks:
                return try! CKKSCoefficientEncoding(context: context).decode(polynomials[c], scale: vector.ciphertexts[c].scale,
                                                                             count: min(slots, vector.count - c * slots))
            case .bfv:
                return try! BFVEncoder(context: context).decodeNoisy(polynomials[c]).map { Double($0) / scale }
            }
        }
        let grid = pow(2, Double(precisionBits))
        var out = [Double](repeating: 0, count: vector.count)
        for c in 0..<chunks.count {
            for j in 0..<min(slots, vector.count - c * slots) {
                out[c * slots + j] = (chunks[c][j] / divisor * grid).rounded() / grid
            }
        }
        return out
    }
}
