import Foundation
import Hummingbird
import Pipeline
import ResultsStore

/// Every error the HTTP API answers, in one stable shape:
///
/// ```json
/// {"error": {"status": 422, "code": "invalid_manifest", "message": "…", "issues": ["request:3: federation.rounds: …"]}}
/// ```
///
/// `code` is a fixed snake_case word a client can switch on; `message` is one readable sentence;
/// `issues` (manifest errors only) holds exactly the lines `privfed validate` prints. No error
/// ever repeats a request header, so a bearer token cannot leak through one.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var issues: [String]?
    /// Extra response headers (`WWW-Authenticate` on 401, `Allow` on 405).
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, issues: [String]? = nil, headers: HTTPFields = [:]) {
        self.status = status; self.code = code; self.message = message; self.issues = issues; self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// The JSON body, as decoded by clients.
    public struct Body: Codable, Sendable, Equatable {
        public struct Detail: Codable, Sendable, Equatable {
            public var status: Int
            public var code: String
            public var message: String
            public var issues: [String]?
        }
        public var error: Detail
    }

    public var body: Body { Body(error: .init(status: status.code, code: code, message: message, issues: issues)) }

    public func response() -> Response {
        var headers = self.headers
        let data = (try? JSONOutput.encode(body)) ?? Data(#"{"error": {"status": 500, "code": "internal", "message": "unencodable error"}}"#.utf8)
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension APIError {
    /// RFC 6750 §3: a missing token is answered with the scheme alone, a wrong one with `invalid_token`.
    static func unauthorized(tokenPresented: Bool) -> APIError {
        let challenge = tokenPresented ? #"Bearer realm="privfed", error="invalid_token""# : #"Bearer realm="privfed""#
        let message = tokenPresented
            ? "the bearer token is not valid for this server"
            : "this endpoint needs an 'Authorization: Bearer TOKEN' header (tokens come from privfed serve --tokens or PRIVFED_API_TOKENS)"
        return APIError(.unauthorized, "unauthorized", message, headers: [.wwwAuthenticate: challenge])
    }

    static func notFound(path: Substring) -> APIError {
        APIError(.notFound, "not_found", "no such endpoint: \(Self.printable(path)) (see GET /api/openapi.yaml)")
    }

    static func methodNotAllowed(_ method: HTTPRequest.Method, path: Substring, allowed: [HTTPRequest.Method]) -> APIError {
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(.methodNotAllowed, "method_not_allowed",
                        "\(Self.printable(Substring(method.rawValue))) is not allowed on \(Self.printable(path)); allowed: \(allow)",
                        headers: [.allow: allow])
    }

    static func tooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, "payload_too_large", "the request body is larger than this server's limit of \(limit) bytes (privfed serve --max-body-bytes)")
    }

    static func malformedJSON(_ detail: String) -> APIError {
        APIError(.badRequest, "malformed_json", "the request body is not valid JSON: \(detail)")
    }

    static func badRequest(_ message: String) -> APIError {
        APIError(.badRequest, "bad_request", message)
    }

    /// `issues` are the lines `privfed validate` prints for the same text, one per problem.
    static func invalidManifest(_ error: ManifestError) -> APIError {
        let n = error.issues.count
        return APIError(.unprocessableContent, "invalid_manifest", "the manifest is not valid (\(n) problem\(n == 1 ? "" : "s"))",
                        issues: error.issues.map(\.description))
    }

    static func jobNotFound(_ id: String) -> APIError {
        APIError(.notFound, "job_not_found", "no job \(Self.printable(Substring(id))) in this database (see GET /api/jobs)")
    }

    static func internalError(_ error: any Error) -> APIError {
        APIError(.internalServerError, "internal", "the server could not complete the request: \(Self.printable(Substring("\(error)")))")
    }

    /// Request text repeated in a message: at most 200 characters, control characters escaped, so a
    /// hostile path cannot forge log lines or make an error body huge.
    static func printable(_ text: Substring) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(200) {
            if scalar.value < 0x20 || scalar.value == 0x7F { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
        }
        return text.unicodeScalars.count > 200 ? out + "…" : out
    }
}
