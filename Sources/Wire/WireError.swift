/// Why bytes received from another party are not a message: every malformed input is one of
/// these, never a crash or a silently wrong value.
public enum WireError: Error, Equatable, CustomStringConvertible {
    case truncated(field: String, needed: Int, available: Int)
    case badMagic
    case unsupportedVersion(UInt16)
    case unexpectedKind(expected: UInt16, found: UInt16)
    case lengthMismatch(declared: UInt64, actual: Int)
    case invalidValue(field: String, reason: String)
    case trailingBytes(Int)

    public var description: String {
        switch self {
        case .truncated(let field, let needed, let available):
            return "message truncated in \(field): needs \(needed) more bytes, \(available) left"
        case .badMagic: return "not a privfed message (bad magic bytes)"
        case .unsupportedVersion(let v): return "wire format version \(v) is not supported (this privfed speaks version \(WireFrame.version))"
        case .unexpectedKind(let expected, let found): return "expected a message of kind \(expected), found kind \(found)"
        case .lengthMismatch(let declared, let actual): return "the frame declares \(declared) payload bytes but carries \(actual)"
        case .invalidValue(let field, let reason): return "\(field): \(reason)"
        case .trailingBytes(let n): return "\(n) bytes after the end of the message"
        }
    }
}
