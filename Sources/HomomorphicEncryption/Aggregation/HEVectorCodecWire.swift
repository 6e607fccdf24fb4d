import Randomness

/// What crosses the network in an aggregation, as bytes: a client's upload, a decrypting party's
/// shares. Threshold modes use the compact forms of the codec's `CompactLayout` (`CompactWire`);
/// single-key mode sends full residues (`HESerialization`). The pipeline's stages call these.
extension HEVectorCodec {
    /// The serialized ciphertexts of `vector`: full forms one blob per ciphertext; compact forms
    /// one blob per group of ciphertexts sharing c1 (`groups`).
    public func wireForm(of vector: EncryptedVector) -> [[UInt8]] {
        guard let compact else { return vector.ciphertexts.map { HESerialization.serialize($0, context: context) } }
        return groups(forValues: vector.count).map { group in
            CompactWire.serialize(group: Array(vector.ciphertexts[group]), counts: group.map { coefficientsRead(ciphertext: $0, ofValues: vector.count) },
                                  secrets: secretsPerKey, layout: compact, context: context)
        }
    }

    /// A vector of `count` values rebuilt from `blobs` (`wireForm`), its bound the codec's own.
    /// - Throws: `HESerializationError` for any malformed, truncated or over-compressed blob or
    ///   one of another k or grouping, `HECodecError.lengthMismatch` for the wrong number of blobs.
    public func receive(_ blobs: [[UInt8]], count: Int) throws -> EncryptedVector {
        guard let compact else {
            guard blobs.count == ciphertextCount(forValues: count) else { throw HECodecError.lengthMismatch(ciphertextCount(forValues: count), blobs.count) }
            // Full forms carry no secret index: ciphertext c is under s_{c mod k} by its position.
            let ciphertexts = try blobs.enumerated().map { c, bytes in
                var ct = try HESerialization.deserializeCiphertext(bytes, context: context)
                ct.keyIndex = c % secretsPerKey
                return ct
            }
            return EncryptedVector.received(count: count, ciphertexts: ciphertexts, valueBound: valueBound)
        }
        let groups = groups(forValues: count)
        guard blobs.count == groups.count else { throw HECodecError.lengthMismatch(groups.count, blobs.count) }
        let ciphertexts = try zip(blobs, groups).flatMap { bytes, group in
            try CompactWire.deserializeGroup(bytes, expectedCounts: group.map { coefficientsRead(ciphertext: $0, ofValues: count) },
                                             secrets: secretsPerKey, layout: compact, context: context)
        }
        return EncryptedVector.received(count: count, ciphertexts: ciphertexts, valueBound: valueBound)
    }

    /// What the aggregator sends each decrypting party of the aggregate `vector`: compact, one
    /// blob per group, its shared c1 alone at the layout's c1 width (kind 10); single key, the
    /// whole serialized ciphertexts (the one key holder decrypts them itself).
    public func wireDownload(of vector: EncryptedVector) -> [[UInt8]] {
        guard let compact else { return wireForm(of: vector) }
        return groups(forValues: vector.count).map {
            CompactWire.serializeDownload(group: Array(vector.ciphertexts[$0]), secrets: secretsPerKey, layout: compact, context: context)
        }
    }

    /// The aggregate as a decrypting party received it (`wireDownload`): enough to make its
    /// decryption shares, nothing more.
    /// - Throws: `HESerializationError` for any malformed, truncated or over-compressed blob,
    ///   `HECodecError.lengthMismatch` for the wrong number of blobs.
    public func receiveDownload(_ blobs: [[UInt8]], count: Int) throws -> EncryptedVector {
        guard let compact else { return try receive(blobs, count: count) }
        let groups = groups(forValues: count)
        guard blobs.count == groups.count else { throw HECodecError.lengthMismatch(groups.count, blobs.count) }
        let ciphertexts = try zip(blobs, groups).flatMap { bytes, group in
            try CompactWire.deserializeDownload(bytes, members: group.count, secrets: secretsPerKey, layout: compact, context: context)
        }
        return EncryptedVector.received(count: count, ciphertexts: ciphertexts, valueBound: valueBound)
    }

    /// One key holder's serialized decryption shares of `vector`, one per ciphertext (compact:
    /// only the coefficients the decoder reads, at the layout's share width; ciphertext c's from
    /// the secret s_{i,j} it is under).
    public func wireDecryptionShares(of vector: EncryptedVector, secretKeyShare: SecretKey, rng: inout ChaCha20Generator,
                                     threads: Int = 1) -> [[UInt8]] {
        guard let compact else {
            return decryptionShares(of: vector, secretKeyShare: secretKeyShare, rng: &rng, threads: threads)
                .map { HESerialization.serialize($0, context: context) }
        }
        return compactShares(of: vector, keys: secretKeyShare.polynomials, parties: 1, layout: compact, rng: &rng, threads: threads)
            .map { CompactWire.serialize($0, context: context) }
    }

    /// Share-holder h's serialized decryption shares of `vector` (DP + HE + MPC).
    public func wireHolderDecryptionShares(of vector: EncryptedVector, holderKey: HolderKeyShare, resharing: SecretKeyResharing,
                                           rng: inout ChaCha20Generator, threads: Int = 1) -> [[UInt8]] {
        guard let compact else {
            return holderDecryptionShares(of: vector, holderKey: holderKey, resharing: resharing, rng: &rng, threads: threads)
                .map { HESerialization.serialize($0, context: context) }
        }
        precondition(holderKey.holders == resharing.holders, "share-holder key of another re-sharing")
        return compactShares(of: vector, keys: holderKey.polynomials, parties: holderKey.keyParties, layout: compact, rng: &rng, threads: threads)
            .map { CompactWire.serialize(CompactHolderDecryptionShare(holder: holderKey.holder, holders: holderKey.holders, share: $0), context: context) }
    }

    /// Decryption shares received from one party, ready for `decrypt(_:shares:divisor:threads:)`.
    /// - Throws: `HESerializationError` for any malformed, truncated or over-compressed share.
    public func receiveDecryptionShares(_ blobs: [[UInt8]]) throws -> [DecryptionShare] {
        guard let compact else { return try blobs.map { try HESerialization.deserializeDecryptionShare($0, context: context) } }
        return try blobs.map { try CompactWire.deserializeDecryptionShare($0, layout: compact, context: context).expanded(context: context) }
    }

    /// Share-holder shares received from one share-holder, ready for `decrypt(_:holderShares:resharing:divisor:threads:)`.
    /// - Throws: `HESerializationError` for any malformed, truncated or over-compressed share.
    public func receiveHolderDecryptionShares(_ blobs: [[UInt8]]) throws -> [HolderDecryptionShare] {
        guard let compact else { return try blobs.map { try HESerialization.deserializeHolderDecryptionShare($0, context: context) } }
        return try blobs.map {
            let s = try CompactWire.deserializeHolderDecryptionShare($0, layout: compact, context: context)
            return HolderDecryptionShare(holder: s.holder, holders: s.holders, share: s.share.expanded(context: context))
        }
    }

    /// Compact shares of every ciphertext, one ChaCha20 stream per ciphertext keyed from `rng`
    /// before the split, so the bytes do not depend on `threads`.
    func compactShares(of vector: EncryptedVector, keys secrets: [RNSPolynomial], parties: Int, layout: CompactLayout,
                       rng: inout ChaCha20Generator, threads: Int) -> [CompactDecryptionShare] {
        let keys = vector.ciphertexts.map { _ in rng.bytes(32) }
        let threshold = self.threshold
        return ParallelSplit.map(count: vector.ciphertexts.count, threads: threads) { c in
            var local = ChaCha20Generator(key: keys[c])
            return threshold.generateCompactShare(ciphertext: vector.ciphertexts[c], secretKeyShares: secrets, parties: parties,
                                                  width: layout.shareWidth, coefficients: coefficientsRead(ciphertext: c, ofValues: vector.count),
                                                  rng: &local)
        }
    }

    /// The worst-case error of a decrypted value before the division by the divisor and the
    /// rounding to 2^−p, for an aggregate of total weight up to `maximumTotalWeight` (CKKS compact
    /// layouts only; nil in single-key mode, whose noise is tracked per ciphertext, and for BFV,
    /// whose compact layout keeps every error within the decoding tolerance, so its decoding is
    /// exact and its only error is the fixed-point rounding).
    public var valueErrorBound: Double? {
        guard context.parameters.scheme == .ckks else { return nil }
        return compact.map { $0.errorBound / scale }
    }
}
