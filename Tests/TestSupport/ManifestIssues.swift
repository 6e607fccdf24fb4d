import Pipeline

/// The issues `ManifestReader` reports for `text` (empty when it validates), for tests of what a
/// manifest may say; an error that is not a `ManifestError` is thrown on.
public func manifestIssues(_ text: String, capabilities: PipelineCapabilities = .current) throws -> [ManifestIssue] {
    do {
        _ = try ManifestReader(capabilities: capabilities).parse(text, file: "m.yaml")
        return []
    } catch let error as ManifestError {
        return error.issues
    }
}
