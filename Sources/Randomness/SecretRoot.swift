import Crypto

/// One party's 256-bit secret root: every private draw the party makes (DP noise, Poisson
/// batches, HE key shares, encryption randomness, smudging, masks, shares) derives from it through
/// `RandomStreams(root:)`, so nothing public — manifest, seed, database — determines them.
public struct SecretRoot: Sendable, Equatable {
    public static let byteCount = 32
    public let bytes: [UInt8]

    /// A root from given bytes (a secrets file being replayed); nil unless exactly 32 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// A fresh root from the operating system's CSPRNG (`getrandom(2)` on Linux, through
    /// `SystemRandomNumberGenerator`).
    public static func fromOperatingSystem() -> SecretRoot {
        var system = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: byteCount)
        for i in 0..<(byteCount / 8) {
            let word = system.next()
            for b in 0..<8 { bytes[8 * i + b] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(b))) }
        }
        return SecretRoot(bytes: bytes)!
    }

    /// The commitment recorded in the results database in place of the root:
    /// SHA-256("privfed.secret-root.v1" ‖ 0x00 ‖ UTF-8 owner ‖ 0x00 ‖ root), hex. The root has 256
    /// bits of entropy, so the digest reveals nothing about it (preimage resistance), and binding
    /// the owner's name keeps two parties' commitments from being swapped unnoticed.
    public func commitment(owner: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("privfed.secret-root.v1".utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(owner.utf8))
        hasher.update(data: [0])
        hasher.update(data: bytes)
        return hasher.finalize().map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    /// The root as 64 lowercase hex digits (the secrets file's encoding).
    public var hex: String { bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined() }

    /// A root from 64 hex digits; nil for anything else.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 2 * Self.byteCount else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.byteCount)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.bytes = bytes
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
