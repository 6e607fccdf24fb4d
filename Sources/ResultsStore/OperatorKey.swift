import Crypto
import Foundation

/// The operator's Ed25519 signing key (RFC 8032), kept in a file outside the results database.
///
/// The ledger's hash chain is unkeyed: anyone who can write the database can rewrite a suffix
/// and recompute every hash after it. A signature over the ledger head made with a key the
/// database does not hold cannot be recomputed that way, so the key must live elsewhere: at
/// `$PRIVFED_OPERATOR_KEY`, else `privfed-operator.key` beside the database. The file is
/// created on first use with mode 0600, and one whose group or others may read it is refused
/// (as ssh refuses an open private key): a key others can read signs nothing they could not.
///
/// Format: the 32-byte private key (RFC 8032 §5.1.5) as 64 hex digits, or a PKCS#8 PEM
/// `PRIVATE KEY` (RFC 8410 §7), the form `openssl genpkey -algorithm ed25519` writes.
public struct OperatorKey {
    public let path: String
    public let privateKey: Curve25519.Signing.PrivateKey

    /// The Ed25519 public key as 64 lowercase hex digits: what the database records and the
    /// audit trusts.
    public var publicKeyHex: String { Hex.encode(privateKey.publicKey.rawRepresentation) }

    /// Where the key of the database at `databasePath` lives.
    public static func defaultPath(besideDatabase databasePath: String) -> String {
        if let path = ProcessInfo.processInfo.environment["PRIVFED_OPERATOR_KEY"], !path.isEmpty { return path }
        let directory = (databasePath as NSString).deletingLastPathComponent
        return ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent("privfed-operator.key")
    }

    /// Reads the key at `path`.
    /// - Throws: `OperatorKeyError` naming the file when it is missing, readable by others or malformed.
    public static func read(at path: String) throws -> OperatorKey {
        guard let data = FileManager.default.contents(atPath: path) else { throw OperatorKeyError.missing(path: path) }
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
           let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw OperatorKeyError.readableByOthers(path: path, mode: mode)
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let raw = try text.hasPrefix("-----BEGIN") ? Self.rawFromPEM(text, path: path) : Self.rawFromHex(text, path: path)
        do {
            return OperatorKey(path: path, privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
        } catch {
            throw OperatorKeyError.malformed(path: path, reason: "not an Ed25519 private key (\(error))")
        }
    }

    /// Reads the key at `path`, creating a fresh one there (mode 0600) when there is none.
    /// Creation uses O_EXCL, so two workers starting at once end up with the same key.
    public static func readOrCreate(at path: String) throws -> OperatorKey {
        if FileManager.default.fileExists(atPath: path) { return try read(at: path) }
        let fresh = Curve25519.Signing.PrivateKey()
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if fd < 0 {
            if errno == EEXIST { return try read(at: path) }
            throw OperatorKeyError.cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: Data((Hex.encode(fresh.rawRepresentation) + "\n").utf8))
            try handle.synchronize()
        } catch {
            throw OperatorKeyError.cannotCreate(path: path, reason: "\(error)")
        }
        return OperatorKey(path: path, privateKey: fresh)
    }

    static func rawFromHex(_ text: String, path: String) throws -> Data {
        guard let bytes = Hex.decode(text), bytes.count == 32 else {
            throw OperatorKeyError.malformed(path: path, reason: "expected 64 hex digits (a raw 32-byte Ed25519 key) or a PEM PRIVATE KEY")
        }
        return Data(bytes)
    }

    /// The DER of an Ed25519 PKCS#8 key before its 32 key bytes (RFC 8410 §7: version 0,
    /// algorithm id-Ed25519 1.3.101.112, the key as an OCTET STRING inside an OCTET STRING).
    static let pkcs8Prefix: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
                                       0x04, 0x22, 0x04, 0x20]

    static func rawFromPEM(_ text: String, path: String) throws -> Data {
        let body = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.hasPrefix("-----") }.joined()
        guard text.contains("-----BEGIN PRIVATE KEY-----"), let der = Data(base64Encoded: body),
              der.count == pkcs8Prefix.count + 32, Array(der.prefix(pkcs8Prefix.count)) == pkcs8Prefix else {
            throw OperatorKeyError.malformed(path: path, reason: "the PEM is not an unencrypted Ed25519 PKCS#8 PRIVATE KEY (RFC 8410)")
        }
        return der.suffix(32)
    }

    /// Checks that `hex` is an Ed25519 public key (64 hex digits) and returns it in lowercase.
    public static func publicKey(hex: String) throws -> String {
        let text = hex.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard let bytes = Hex.decode(text), bytes.count == 32,
              (try? Curve25519.Signing.PublicKey(rawRepresentation: bytes)) != nil else {
            throw OperatorKeyError.malformedPublicKey(hex)
        }
        return text
    }
}

/// What is wrong with an operator key, naming the file so the operator can fix it.
public enum OperatorKeyError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case readableByOthers(path: String, mode: Int)
    case malformed(path: String, reason: String)
    case cannotCreate(path: String, reason: String)
    case malformedPublicKey(String)

    public var description: String {
        switch self {
        case .missing(let path):
            return "\(path): no operator key there (privfed creates it beside the database on the first release, or set PRIVFED_OPERATOR_KEY)"
        case .readableByOthers(let path, let mode):
            return "\(path): the operator key is readable by others (mode \(String(mode, radix: 8))); run chmod 600 \(path)"
        case .malformed(let path, let reason):
            return "\(path): not an operator key: \(reason)"
        case .cannotCreate(let path, let reason):
            return "\(path): cannot create the operator key: \(reason) (set PRIVFED_OPERATOR_KEY to a writable place)"
        case .malformedPublicKey(let text):
            return "operator public key '\(text.prefix(80))' is not an Ed25519 public key (64 hex digits)"
        }
    }
}

/// Lowercase hex, as every hash and key in the database is written.
/// Lowercase hex, for keys, signatures and digests kept as text.
public enum Hex {
    public static func encode<D: DataProtocol>(_ bytes: D) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    public static func decode(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let hi = value(digits[i]), let lo = value(digits[i + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
            i += 2
        }
        return bytes
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
