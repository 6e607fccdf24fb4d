/// One check of an audit: what was checked, whether it held, and the evidence either way.
public struct AuditFinding: Codable, Sendable, Equatable {
    public var check: String
    public var passed: Bool
    public var evidence: String

    public init(_ check: String, _ passed: Bool, _ evidence: String) {
        self.check = check; self.passed = passed; self.evidence = evidence
    }
}

/// The outcome of `privfed audit`: the exit status is 0 only when every finding passed.
public struct AuditReport: Codable, Sendable {
    public var jobId: Int64
    public var codeVersion: String
    public var createdAt: String
    public var reproduced: Bool
    public var findings: [AuditFinding]

    public var passed: Bool { findings.allSatisfy(\.passed) }
}
