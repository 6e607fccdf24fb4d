@testable import Pipeline

/// The issues `ManifestReader` reports for `text` (empty when it validates).
func manifestIssues(_ text: String, capabilities: PipelineCapabilities = .current) throws -> [ManifestIssue] {
    do {
        _ = try ManifestReader(capabilities: capabilities).parse(text, file: "m.yaml")
        return []
    } catch let error as ManifestError {
        return error.issues
    }
}
