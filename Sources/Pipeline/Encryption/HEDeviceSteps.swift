import HomomorphicEncryption
import Randomness

/// The client side of the HE protocols, as a networked client runs them: each step reads only
/// the device's own state and streams and returns what the client sends (serialized bytes).
extension ClientDevice {
    /// Draws its secret share of epoch E, k secrets (stream `he/epoch/E/key` of its own root),
    /// keeps it, and returns its serialized public-key share (Mouchet et al. 2021, Protocol 1, once
    /// per secret on the one CRS).
    mutating func publicKeyShare(epoch: Int, secrets: Int, generation: CollectivePublicKeyGeneration) -> [UInt8] {
        let (secret, wire) = HEKeyHolderSteps.publicKeyShare(streams: streams, epoch: epoch, secrets: secrets, generation: generation)
        heKeyShare = secret
        return wire
    }

    /// Splits its secret-key share of epoch E among the share-holders (stream
    /// `he/epoch/E/key-resharing` of its own root), erases it, and returns fragment h for share-holder h.
    mutating func keyFragments(epoch: Int, resharing: SecretKeyResharing) -> [[UInt8]] {
        guard let secret = heKeyShare else { preconditionFailure("client \(index) holds no key share") }
        heKeyShare = nil
        return HEKeyHolderSteps.keyFragments(streams: streams, secret: secret, epoch: epoch, resharing: resharing)
    }

    /// Its smudged decryption shares of the aggregate it downloaded (stream `he/round/R/decrypt` of
    /// its own root), in the codec's wire form (compact: the coefficients the decoder reads, top bits only).
    func decryptionShares(round: Int, aggregate: EncryptedVector, codec: HEVectorCodec, threads: Int) -> [[UInt8]] {
        guard let secret = heKeyShare else { preconditionFailure("client \(index) holds no key share") }
        return HEKeyHolderSteps.decryptionShares(streams: streams, secret: secret, round: round, aggregate: aggregate, codec: codec, threads: threads)
    }
}

/// A key holder's HE steps on its own streams, the same whether the holder is a simulated
/// `ClientDevice` or an agent on its own machine (`AgentDevice`).
enum HEKeyHolderSteps {
    /// Its secret share of epoch E, k secrets (the first draws of stream `he/epoch/E/key` of its root, so an
    /// agent can make it again for decryption without storing it) and its serialized public-key
    /// share (the draws after).
    static func publicKeyShare(streams: RandomStreams, epoch: Int, secrets: Int, generation: CollectivePublicKeyGeneration) -> (SecretKey, [UInt8]) {
        var rng = streams.generator("he/epoch/\(epoch)/key")
        let secret = SecretKey(context: generation.context, secrets: secrets, rng: &rng)
        return (secret, HESerialization.serialize(generation.generateShare(secretKeyShare: secret, rng: &rng), context: generation.context))
    }

    /// The secret share of epoch E alone, as `publicKeyShare` drew it.
    static func secretKey(streams: RandomStreams, epoch: Int, secrets: Int, context: HEContext) -> SecretKey {
        var rng = streams.generator("he/epoch/\(epoch)/key")
        return SecretKey(context: context, secrets: secrets, rng: &rng)
    }

    /// Its secret-key share of epoch E split among the share-holders (stream
    /// `he/epoch/E/key-resharing` of its root), fragment h for share-holder h, serialized.
    static func keyFragments(streams: RandomStreams, secret: SecretKey, epoch: Int, resharing: SecretKeyResharing) -> [[UInt8]] {
        var rng = streams.generator("he/epoch/\(epoch)/key-resharing")
        return resharing.split(secret, rng: &rng).map { HESerialization.serialize($0, context: resharing.context) }
    }

    /// Its smudged decryption shares of `aggregate` (stream `he/round/R/decrypt` of its root), in
    /// the codec's wire form (compact: the coefficients the decoder reads, top bits only).
    static func decryptionShares(streams: RandomStreams, secret: SecretKey, round: Int, aggregate: EncryptedVector, codec: HEVectorCodec,
                                 threads: Int) -> [[UInt8]] {
        var rng = streams.generator("he/round/\(round)/decrypt")
        return codec.wireDecryptionShares(of: aggregate, secretKeyShare: secret, rng: &rng, threads: threads)
    }
}

/// The share-holders' side of DP + HE + MPC, as a networked share-holder runs it.
extension ShareHolderDevice {
    /// Adds a client's key fragment (as received) to its share S_h of the epoch's secret.
    mutating func receiveKeyFragment(_ blobs: [[UInt8]], resharing: SecretKeyResharing) throws {
        guard heKeyShare != nil else { preconditionFailure("share-holder \(index) expects no key fragments") }
        for blob in blobs {
            try heKeyShare!.receive(try HESerialization.deserializeKeyFragment(blob, context: resharing.context), resharing: resharing)
        }
    }

    /// Its smudged decryption shares of the aggregate it downloaded (stream `he/round/R/decrypt`
    /// of its own root).
    func decryptionShares(round: Int, aggregate: EncryptedVector, setup: HESetup, threads: Int) -> [[UInt8]] {
        guard let resharing = setup.resharing, let key = heKeyShare else { preconditionFailure("share-holder \(index) holds no key share") }
        return HEShareHolderSteps.decryptionShares(streams: streams, key: key, round: round, aggregate: aggregate, codec: setup.codec,
                                                   resharing: resharing, threads: threads)
    }
}

/// A share-holder's HE step on its own streams, the same whether it is simulated
/// (`ShareHolderDevice`) or on its own machine (`ShareHolderAgent`).
enum HEShareHolderSteps {
    /// Its smudged decryption shares S_h·c1 + E_h of `aggregate` (stream `he/round/R/decrypt` of its root).
    static func decryptionShares(streams: RandomStreams, key: HolderKeyShare, round: Int, aggregate: EncryptedVector, codec: HEVectorCodec,
                                 resharing: SecretKeyResharing, threads: Int) -> [[UInt8]] {
        var rng = streams.generator("he/round/\(round)/decrypt")
        return codec.wireHolderDecryptionShares(of: aggregate, holderKey: key, resharing: resharing, rng: &rng, threads: threads)
    }
}
