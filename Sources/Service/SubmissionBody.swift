import Foundation

/// What a `POST /api/training/start` or `POST /api/jobs` body asks for.
///
/// A body that starts with `{` or `[` is JSON and must parse as JSON (else 400). The seed's
/// `{"privacy": "differential"}` — a JSON object whose only key is `privacy` with a string value —
/// names a shipped manifest (a full manifest's `privacy` is always a mapping, so the two cannot be
/// confused). Any other body is a manifest, YAML or JSON (YAML 1.2 reads JSON), checked by the same
/// reader as `privfed validate`.
enum SubmissionBody: Equatable {
    case preset(privacy: String)
    case manifest(text: String)

    static func classify(_ text: String, allowPreset: Bool) throws -> SubmissionBody {
        let trimmed = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        guard !trimmed.isEmpty else {
            throw APIError.badRequest(allowPreset
                ? #"the request body is empty; send {"privacy": "differential"|"homomorphic"|"mpc"|"combined"} or a manifest"#
                : "the request body is empty; send a manifest (YAML or JSON)")
        }
        guard trimmed.first == "{" || trimmed.first == "[" else { return .manifest(text: text) }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw APIError.malformedJSON(Self.reason(error))
        }
        if allowPreset, let dict = object as? [String: Any], dict.count == 1, let kind = dict["privacy"] as? String {
            return .preset(privacy: kind)
        }
        if allowPreset, let dict = object as? [String: Any], dict.count == 1, dict["privacy"] != nil, !(dict["privacy"] is [String: Any]) {
            throw APIError(.unprocessableContent, "unknown_privacy",
                           "\"privacy\" must be one of \(TrainingPresets.kinds.joined(separator: ", ")) (or send a whole manifest)")
        }
        return .manifest(text: text)
    }

    /// Foundation's parse error in one line, without the body's text.
    private static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String).map { APIError.printable(Substring($0)) } ?? "it does not parse"
    }
}
