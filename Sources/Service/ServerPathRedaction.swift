import Audit
import Foundation

/// The server's own folders, replaced by placeholders in every body the HTTP API answers.
///
/// A job's records name the files the server read: a dataset that vanished or failed its
/// checksum at run time is in the job's error text, the audit's `dataset_checksums` evidence
/// names the files it hashed, a shipped manifest is recorded by its absolute path. On the command
/// line that is what an operator needs; the API's callers are not the server's operators, and an
/// absolute path tells them how the server is laid out (user names, mount points, where the
/// database and the secrets beside it live). So the records stay as they are, and what the API
/// sends has `[datasets-root]`, `[manifests]` and `[database-dir]` in their place. The
/// placeholders use square brackets because the HTML report escapes angle brackets.
///
/// Every occurrence is replaced, with no check of what follows it: a sibling folder
/// (`/srv/datasets-old`) becomes `[datasets-root]-old`, which says no more than the placeholder.
/// Longer folders go first, so a datasets root inside the database's folder is named as the root.
public struct ServerPathRedaction: Sendable, Equatable {
    /// One spelling of a folder and the placeholder it becomes.
    public struct Rule: Sendable, Equatable {
        public var text: String
        public var placeholder: String
    }

    /// Longest text first.
    public let rules: [Rule]

    /// - Parameter folders: each folder's absolute path and its placeholder. A folder is matched
    ///   as written (standardised) and with its symbolic links resolved, each also as JSON (`\/`,
    ///   `\"`) and HTML (`&amp;`) would spell it. `/` and relative paths are skipped: replacing
    ///   them would garble every path without hiding any.
    public init(folders: [(path: String, placeholder: String)]) {
        var rules: [Rule] = []
        for (path, placeholder) in folders where path.hasPrefix("/") {
            let standard = URL(fileURLWithPath: path).standardizedFileURL.path
            for form in Set([standard, Self.resolvingLinks(standard)]) where form != "/" {
                for spelling in Self.spellings(form) where !rules.contains(where: { $0.text == spelling }) {
                    rules.append(Rule(text: spelling, placeholder: placeholder))
                }
            }
        }
        self.rules = rules.sorted { ($0.text.count, $0.text) > ($1.text.count, $1.text) }
    }

    /// The folders of a server with `configuration` over the database at `databasePath`: its
    /// datasets root, its manifests folder and the folder the database (with its secrets and
    /// local records beside it) is in.
    public init(configuration: APIConfiguration, databasePath: String) {
        let database = URL(fileURLWithPath: databasePath).standardizedFileURL.deletingLastPathComponent().path
        self.init(folders: [(configuration.datasetsRoot, "[datasets-root]"),
                            (configuration.manifestsDirectory, "[manifests]"),
                            (database, "[database-dir]")])
    }

    /// `text` with every rule's text replaced by its placeholder, longest first.
    public func redact(_ text: String) -> String {
        rules.reduce(text) { $0.replacingOccurrences(of: $1.text, with: $1.placeholder) }
    }

    /// The UTF-8 body `data`, redacted; unchanged when it is not UTF-8.
    public func redact(_ data: Data) -> Data {
        guard !rules.isEmpty, let text = String(data: data, encoding: .utf8) else { return data }
        return Data(redact(text).utf8)
    }

    /// `path` as it appears in a body: literally (JSONOutput writes slashes unescaped, HTML leaves
    /// them alone), as a JSON string with and without escaped slashes, and HTML-escaped.
    static func spellings(_ path: String) -> [String] {
        var out = [path, HTMLEscaping.escape(path)]
        for formatting: JSONEncoder.OutputFormatting in [[.withoutEscapingSlashes], []] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = formatting
            if let data = try? encoder.encode(path), let quoted = String(data: data, encoding: .utf8) {
                out.append(String(quoted.dropFirst().dropLast()))
            }
        }
        return Array(Set(out))
    }

    /// `path` with every symbolic link followed (realpath(3)); as given when it does not exist.
    static func resolvingLinks(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
