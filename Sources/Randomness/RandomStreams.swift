import Crypto

/// Where a job's private randomness comes from, as recorded with the job.
public enum RandomnessMode: String, Sendable, Codable, CaseIterable {
    /// Every party's secret root is drawn fresh from the operating system when the job is submitted
    /// and escrowed in a secrets file outside the results database (only a SHA-256 commitment to each
    /// root is recorded): whoever holds that file can re-execute the job bit for bit
    /// (`privfed audit --reproduce --secrets FILE`); the manifest and the database alone cannot.
    case reproducible
    /// Every party's secret root comes from the operating system's CSPRNG and is never stored;
    /// nothing can be replayed.
    case secure
}

/// Named random streams below one root of key material.
///
/// Each consumer asks for its stream by a path-like name (`partition`, `round/5/noise`,
/// `he/epoch/2/key`) and gets an independent ChaCha20 generator. Because streams are keyed by
/// name, adding a stage, a client or a thread never shifts the draws of another stream.
///
/// A job has one set of *public* streams, keyed by the manifest seed, for the choices anyone may
/// know (the partition, the model's initialisation, non-private client selection), and one set of
/// *private* streams per party, keyed by that party's `SecretRoot` (see `Pipeline.JobSecrets`).
///
/// Key derivation: key = SHA-256("privfed.stream.v1" ‖ 0x00 ‖ root ‖ 0x00 ‖ UTF-8 name), where the
/// root is the seed as 8 little-endian bytes (public streams) or the party's 32-byte secret root.
/// SHA-256 is used as a PRF here, as in HKDF-Expand with a single block; distinct names give
/// computationally independent keys, and without the root no key can be computed.
public struct RandomStreams: Sendable {
    private let root: [UInt8]

    /// Public streams derived from the manifest `seed`.
    public init(seed: UInt64) {
        var le = seed.littleEndian
        self.root = withUnsafeBytes(of: &le) { Array($0) }
    }

    /// Private streams below a party's secret root.
    public init(root: SecretRoot) { self.root = root.bytes }

    /// The 32-byte key of stream `name`.
    public func key(_ name: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array("privfed.stream.v1".utf8))
        hasher.update(data: [0])
        hasher.update(data: root)
        hasher.update(data: [0])
        hasher.update(data: Array(name.utf8))
        return Array(hasher.finalize())
    }

    /// A fresh generator for stream `name`, positioned at its start.
    public func generator(_ name: String) -> ChaCha20Generator {
        ChaCha20Generator(key: key(name))
    }

    /// A child set of streams whose names are prefixed with `prefix/`.
    public func scoped(_ prefix: String) -> ScopedRandomStreams {
        ScopedRandomStreams(root: self, prefix: prefix)
    }
}

/// Streams below a name prefix, handed to a component that should not know its place in the job.
public struct ScopedRandomStreams: Sendable {
    public let root: RandomStreams
    public let prefix: String

    public func generator(_ name: String) -> ChaCha20Generator {
        root.generator(prefix + "/" + name)
    }

    public func scoped(_ child: String) -> ScopedRandomStreams {
        ScopedRandomStreams(root: root, prefix: prefix + "/" + child)
    }
}
