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

    public init(jobId: Int64, codeVersion: String, createdAt: String, reproduced: Bool, findings: [AuditFinding]) {
        self.jobId = jobId; self.codeVersion = codeVersion; self.createdAt = createdAt
        self.reproduced = reproduced; self.findings = findings
    }

    enum CodingKeys: String, CodingKey { case jobId, codeVersion, createdAt, reproduced, passed, findings }

    /// `passed` is written too (scripts read the verdict without re-deriving it) and ignored on
    /// decoding: it always follows from the findings.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(jobId, forKey: .jobId)
        try c.encode(codeVersion, forKey: .codeVersion)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(reproduced, forKey: .reproduced)
        try c.encode(passed, forKey: .passed)
        try c.encode(findings, forKey: .findings)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(jobId: try c.decode(Int64.self, forKey: .jobId), codeVersion: try c.decode(String.self, forKey: .codeVersion),
                  createdAt: try c.decode(String.self, forKey: .createdAt), reproduced: try c.decode(Bool.self, forKey: .reproduced),
                  findings: try c.decode([AuditFinding].self, forKey: .findings))
    }
}
