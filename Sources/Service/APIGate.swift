import Foundation
import Hummingbird
import Logging
import Pipeline
import ResultsStore

/// The one middleware in front of every route: authentication, then the handler, with every error
/// turned into `APIError`'s stable JSON shape and one log line per request.
///
/// The log line holds the method, the path (escaped and cut to 200 characters), the status and the
/// time — never a header, so a bearer token cannot reach a log. An error's message and issues are
/// redacted (`ServerPathRedaction`) as the record bodies are: an internal error can quote a path.
struct APIGate<Context: RequestContext>: RouterMiddleware {
    let tokens: BearerTokens?
    let redaction: ServerPathRedaction
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let path = request.uri.path[...]
        let response: Response
        do {
            try authorize(request, path: path)
            response = try await next(request, context)
        } catch {
            var answer = Self.apiError(for: error, request: request, path: path)
            answer.message = redaction.redact(answer.message)
            answer.issues = answer.issues?.map { redaction.redact($0) }
            response = answer.response()
        }
        let ms = String(format: "%.1f", started.duration(to: .now).milliseconds)
        logger.info("\(APIError.printable(Substring(request.method.rawValue))) \(APIError.printable(path)) \(response.status.code) \(ms) ms")
        return response
    }

    /// Every route needs a token except the public ones (`requiresToken: false`); a path no route
    /// knows needs one too, so an anonymous caller learns nothing about which paths exist.
    func authorize(_ request: Request, path: Substring) throws {
        guard let tokens else { return }
        let routes = APIRoute.all.filter { $0.matches(path: path) }
        if !routes.isEmpty && routes.allSatisfy({ !$0.requiresToken }) { return }
        guard let header = request.headers[.authorization] else { throw APIError.unauthorized(tokenPresented: false) }
        guard let token = BearerTokens.token(fromAuthorization: header), tokens.accepts(token) else {
            throw APIError.unauthorized(tokenPresented: true)
        }
    }

    static func apiError(for error: any Error, request: Request, path: Substring) -> APIError {
        switch error {
        case let error as APIError: return error
        case ResultsStoreError.jobNotFound(let id): return .jobNotFound(String(id))
        case let error as ManifestError: return .invalidManifest(error)
        case let error as HTTPError where error.status == .notFound:
            // The router found no route for this method and path: 405 if another method has one.
            let allowed = APIRoute.methods(at: path)
            return allowed.isEmpty ? .notFound(path: path) : .methodNotAllowed(request.method, path: path, allowed: allowed)
        case let error as any HTTPResponseError:
            return APIError(error.status, "http_\(error.status.code)", error.status.reasonPhrase)
        default: return .internalError(error)
        }
    }
}
