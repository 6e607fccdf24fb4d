/// One problem found in a manifest, located by file, line and key path.
public struct ManifestIssue: Sendable, Hashable, CustomStringConvertible, Codable {
    public var file: String
    public var line: Int
    public var keyPath: String
    public var message: String

    public init(file: String, line: Int, keyPath: String, message: String) {
        self.file = file; self.line = line; self.keyPath = keyPath; self.message = message
    }

    /// `FILE:LINE: key.path: message`, the form compilers use, so editors can jump to it.
    public var description: String { "\(file):\(line): \(keyPath): \(message)" }
}

/// A manifest that cannot run, with every problem found in it.
public struct ManifestError: Error, Sendable, CustomStringConvertible {
    public var issues: [ManifestIssue]

    public init(issues: [ManifestIssue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
