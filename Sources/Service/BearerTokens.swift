import Crypto
import Foundation

/// The API tokens a server accepts (RFC 6750 bearer tokens), held only as SHA-256 digests.
///
/// A presented token is hashed and compared with every accepted digest in full, with no early exit,
/// so the time taken does not depend on how much of a token an attacker has guessed or on which
/// token matched. The token text itself is never stored, logged or put in an error message: errors
/// about a token file name the file and the line.
public struct BearerTokens: Sendable {
    private let digests: [[UInt8]]

    /// The number of accepted tokens.
    public var count: Int { digests.count }

    /// At least 128 bits of a random base64 or hex token.
    public static let minimumLength = 16

    /// Accepts `tokens`; each must be at least `minimumLength` characters of RFC 6750's token68
    /// alphabet (letters, digits, `-._~+/`, trailing `=`).
    public init(_ tokens: [String], source: String = "the token list") throws {
        guard !tokens.isEmpty else { throw BearerTokenError.noTokens(source: source) }
        for (i, token) in tokens.enumerated() {
            guard token.count >= Self.minimumLength else { throw BearerTokenError.tooShort(source: source, entry: i + 1) }
            guard Self.isToken68(token) else { throw BearerTokenError.invalidCharacters(source: source, entry: i + 1) }
        }
        digests = tokens.map { Array(SHA256.hash(data: Data($0.utf8))) }
    }

    /// Tokens from a file: one per line; blank lines and lines starting with `#` are skipped.
    public static func load(file path: String) throws -> BearerTokens {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw BearerTokenError.unreadable(path: path)
        }
        let tokens = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        return try BearerTokens(tokens, source: path)
    }

    /// Tokens from an environment value: separated by commas or white space.
    public static func parse(environment value: String, name: String) throws -> BearerTokens {
        let tokens = value.split { $0 == "," || $0.isWhitespace }.map(String.init)
        return try BearerTokens(tokens, source: "$\(name)")
    }

    /// Whether `presented` is one of the accepted tokens, in time independent of its content.
    public func accepts(_ presented: Substring) -> Bool {
        let digest = Array(SHA256.hash(data: Data(presented.utf8)))
        var matched: UInt8 = 0
        for accepted in digests {
            var difference: UInt8 = 0
            for i in 0..<accepted.count { difference |= accepted[i] ^ digest[i] }
            matched |= difference == 0 ? 1 : 0
        }
        return matched == 1
    }

    /// The token from an `Authorization: Bearer TOKEN` header value (scheme case-insensitive, RFC 7235 §2.1).
    public static func token(fromAuthorization header: String) -> Substring? {
        let trimmed = header.drop { $0 == " " }
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let token = trimmed.dropFirst(7).drop { $0 == " " }
        return token.isEmpty ? nil : token
    }

    static func isToken68(_ token: String) -> Bool {
        var seenPadding = false
        for c in token.unicodeScalars {
            if c == "=" { seenPadding = true; continue }
            if seenPadding { return false }
            let ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || "-._~+/".unicodeScalars.contains(c)
            if !ok { return false }
        }
        return true
    }
}

/// A token list that cannot be used. No case carries a token's text.
public enum BearerTokenError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String)
    case noTokens(source: String)
    case tooShort(source: String, entry: Int)
    case invalidCharacters(source: String, entry: Int)

    public var description: String {
        switch self {
        case .unreadable(let path): return "cannot read the token file \(path) as UTF-8 text"
        case .noTokens(let source): return "\(source) holds no tokens"
        case .tooShort(let source, let entry):
            return "token \(entry) in \(source) is shorter than \(BearerTokens.minimumLength) characters (make one with: openssl rand -hex 32)"
        case .invalidCharacters(let source, let entry):
            return "token \(entry) in \(source) has characters outside A-Z a-z 0-9 - . _ ~ + / and trailing ="
        }
    }
}
