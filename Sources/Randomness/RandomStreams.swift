import Crypto

/// Where a job's randomness comes from, as recorded with the job.
public enum RandomnessMode: String, Sendable, Codable, CaseIterable {
    /// Every stream's key derives from the manifest seed and the stream's name, so the same
    /// manifest, code and data give the same bytes (what `privfed audit --reproduce` checks).
    case reproducible
    /// Every stream's key comes from the operating system's CSPRNG; nothing can be replayed.
    case secure
}

/// The named random streams of one job.
///
/// Each consumer asks for its stream by a path-like name (`partition`, `init`,
/// `client/3/round/5/noise`, `he/epoch/2/keys`) and gets an independent ChaCha20 generator.
/// Because streams are keyed by name, adding a stage, a client or a thread never shifts the
/// draws of another stream.
///
/// Key derivation (reproducible mode): key = SHA-256("privfed.stream.v1" ‖ 0x00 ‖ seed as 8
/// little-endian bytes ‖ 0x00 ‖ UTF-8 name). SHA-256 is used as a PRF here, as in HKDF-Expand
/// with a single block; distinct names give computationally independent keys.
public struct RandomStreams: Sendable {
    public let mode: RandomnessMode
    /// The manifest seed; meaningful in reproducible mode only.
    public let seed: UInt64
    private let secureRoot: [UInt8]?

    /// Reproducible streams derived from `seed`.
    public init(seed: UInt64) {
        self.mode = .reproducible
        self.seed = seed
        self.secureRoot = nil
    }

    /// Streams keyed from the operating system's CSPRNG (one 32-byte root drawn now; each
    /// stream's key is SHA-256 of that root and the name, so names still separate streams).
    public static func secure() -> RandomStreams {
        var system = SystemRandomNumberGenerator()
        var root = [UInt8](repeating: 0, count: 32)
        for i in 0..<4 {
            let word = system.next()
            for b in 0..<8 { root[8 * i + b] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(b))) }
        }
        return RandomStreams(secureRoot: root)
    }

    private init(secureRoot: [UInt8]) {
        self.mode = .secure
        self.seed = 0
        self.secureRoot = secureRoot
    }

    /// The 32-byte key of stream `name`.
    public func key(_ name: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array("privfed.stream.v1".utf8))
        hasher.update(data: [0])
        if let root = secureRoot {
            hasher.update(data: root)
        } else {
            var le = seed.littleEndian
            withUnsafeBytes(of: &le) { hasher.update(bufferPointer: $0) }
        }
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
