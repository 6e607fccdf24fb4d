/// What a job's `name:` may be. The name is printed by `privfed jobs`, `show`, reports and the
/// HTTP API; a control character in it (a carriage return, an ANSI escape) could rewrite what a
/// terminal shows, and a name of megabytes makes every listing that long.
public enum JobName {
    /// The longest name accepted, in Unicode scalars.
    public static let maximumLength = 200

    /// Why `name` is refused, or nil when it is fine.
    public static func problem(_ name: String) -> String? {
        let count = name.unicodeScalars.count
        if count > maximumLength {
            return "must be at most \(maximumLength) characters, got \(count)"
        }
        if let bad = name.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            let hex = String(bad.value, radix: 16, uppercase: true)
            return "must not contain control characters, found U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex)"
        }
        return nil
    }
}
