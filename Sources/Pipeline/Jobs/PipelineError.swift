/// Errors of a running job.
public enum PipelineError: Error, CustomStringConvertible {
    case stage(String, String)
    case invalidRecordedManifest(jobId: Int64, ManifestError)
    case cancelled

    public var description: String {
        switch self {
        case .stage(let stage, let message): return "stage \(stage): \(message)"
        case .invalidRecordedManifest(let id, let error): return "job \(id): its manifest no longer validates: \(error)"
        case .cancelled: return "the job was cancelled"
        }
    }
}
