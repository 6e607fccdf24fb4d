import Hummingbird

/// One endpoint of the HTTP API: a method and a path template in OpenAPI's syntax (`{id}`).
///
/// `APIRoute.all` is the single list the router registers, the 405 check consults and the OpenAPI
/// test compares against `openapi.yaml`, so the three cannot drift apart.
public struct APIRoute: Sendable, Hashable, CustomStringConvertible {
    public var method: HTTPRequest.Method
    public var path: String
    /// False for the two endpoints a load balancer or an API client must reach before it has a token.
    public var requiresToken: Bool

    public init(_ method: HTTPRequest.Method, _ path: String, requiresToken: Bool = true) {
        self.method = method; self.path = path; self.requiresToken = requiresToken
    }

    public static let trainingStart = APIRoute(.post, "/api/training/start")
    public static let submitJob = APIRoute(.post, "/api/jobs")
    public static let listJobs = APIRoute(.get, "/api/jobs")
    public static let showJob = APIRoute(.get, "/api/jobs/{id}")
    public static let jobLedger = APIRoute(.get, "/api/jobs/{id}/ledger")
    public static let jobReport = APIRoute(.get, "/api/jobs/{id}/report")
    public static let cancelJob = APIRoute(.post, "/api/jobs/{id}/cancel")
    public static let auditJob = APIRoute(.post, "/api/jobs/{id}/audit")
    public static let openAPI = APIRoute(.get, "/api/openapi.yaml", requiresToken: false)
    public static let health = APIRoute(.get, "/api/health", requiresToken: false)
    public static let listAgents = APIRoute(.get, "/api/agents")

    public static let all: [APIRoute] = [
        trainingStart, submitJob, listJobs, showJob, jobLedger, jobReport, cancelJob, auditJob, openAPI, health, listAgents,
    ]

    public var description: String { "\(method.rawValue) \(path)" }

    /// Whether `path` (a request's path, without query) fits this template; `{name}` matches one
    /// non-empty segment.
    public func matches(path requestPath: Substring) -> Bool {
        let template = path.split(separator: "/", omittingEmptySubsequences: false)
        let actual = requestPath.split(separator: "/", omittingEmptySubsequences: false)
        guard template.count == actual.count else { return false }
        return zip(template, actual).allSatisfy { t, a in t.first == "{" ? !a.isEmpty : t == a }
    }

    /// The methods the API answers on `path`: empty for a path it does not know (404), else the
    /// `Allow` list of a 405.
    public static func methods(at path: Substring) -> [HTTPRequest.Method] {
        all.filter { $0.matches(path: path) }.map(\.method)
    }

    /// The route a request is for, if any.
    public static func route(method: HTTPRequest.Method, path: Substring) -> APIRoute? {
        all.first { $0.method == method && $0.matches(path: path) }
    }
}
