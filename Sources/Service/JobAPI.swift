import Audit
import Foundation
import Hummingbird
import Pipeline
import ResultsStore

/// The handlers of the HTTP API, one per `APIRoute`, over one results database.
///
/// Every answer with a body of records reuses the structures and JSON form of the command line's
/// `--json` outputs (`JobDetail`, `LedgerReport`, `JobRecord`, `JSONOutput`), so the API and the CLI
/// cannot disagree about what a job looks like. Unlike the CLI's, every body is passed through
/// `ServerPathRedaction` first: the records name the server's folders, and its callers are not
/// its operators.
struct JobAPI: Sendable {
    let database: ResultsDatabase
    let configuration: APIConfiguration
    let redaction: ServerPathRedaction

    /// What the manifest in a request body is called in error lines and in `jobs.manifest_path`.
    static let bodySource = "request"

    func respond(_ route: APIRoute, _ request: Request, _ context: some RequestContext) async throws -> Response {
        switch route {
        case .trainingStart: return try await submit(request, allowPreset: true)
        case .submitJob: return try await submit(request, allowPreset: false)
        case .listJobs: return try listJobs(request)
        case .showJob: return try json(JobDetail.load(database, jobId: jobId(context)))
        case .jobLedger: return try json(LedgerReport.load(database, jobId: jobId(context)))
        case .jobReport: return try report(request, jobId: jobId(context))
        case .cancelJob: return try cancel(jobId: jobId(context))
        case .auditJob: return try audit(jobId: jobId(context))
        case .openAPI: return try openAPI()
        case .listAgents: return try json(AgentList(registry: configuration.agents))
        case .health:
            _ = try database.jobs(limit: 1) // the database answers
            return try json(HealthStatus(status: "ok", version: CodeVersion.release, workers: configuration.workers,
                                         authentication: configuration.tokens != nil))
        default: throw APIError.notFound(path: request.uri.path[...])
        }
    }

    func submit(_ request: Request, allowPreset: Bool) async throws -> Response {
        let text = try await request.bodyText(limit: configuration.maxBodyBytes)
        var service = JobService(database: database, reader: ManifestReader(datasets: DatasetPolicy(root: configuration.datasetsRoot)))
        service.requestDatasets = configuration.requestDatasets
        service.agents = configuration.agentJobs
        let id: Int64
        do {
            switch try SubmissionBody.classify(text, allowPreset: allowPreset) {
            case .preset(let privacy):
                guard let file = TrainingPresets.file(for: privacy) else {
                    throw APIError(.unprocessableContent, "unknown_privacy",
                                   "unknown privacy kind \"\(APIError.printable(Substring(privacy)))\"; one of: \(TrainingPresets.kinds.joined(separator: ", "))")
                }
                do {
                    id = try service.submit(path: (configuration.manifestsDirectory as NSString).appendingPathComponent(file))
                } catch var error as ManifestError {
                    // Name the shipped manifest by its file alone, not by where the server keeps it.
                    for i in error.issues.indices { error.issues[i].file = file }
                    throw error
                }
            case .manifest(let text):
                id = try service.submit(text: text, source: Self.bodySource)
            }
        } catch let error as ManifestError {
            throw APIError.invalidManifest(error)
        }
        let job = try database.job(id: id)
        let location = "/api/jobs/\(id)"
        // A shipped manifest is named by its file alone: where the server keeps it is not the caller's business.
        let manifest = job.manifestPath.hasPrefix("/") ? (job.manifestPath as NSString).lastPathComponent : job.manifestPath
        return try json(SubmittedJob(job: id, name: job.name, status: job.status.rawValue, manifest: manifest, location: location),
                        status: .accepted, headers: [.location: location])
    }

    func listJobs(_ request: Request) throws -> Response {
        let limitText = request.uri.queryParameters.get("limit") ?? "50"
        guard let limit = Int(limitText), (1...1000).contains(limit) else {
            throw APIError.badRequest("limit must be a whole number in 1...1000, got \(APIError.printable(Substring(limitText)))")
        }
        return try json(database.jobs(limit: limit))
    }

    func report(_ request: Request, jobId: Int64) throws -> Response {
        let formatText = request.uri.queryParameters.get("format") ?? "html"
        guard let format = ReportFormat(rawValue: formatText) else {
            throw APIError.badRequest("format must be html, json or csv, got \(APIError.printable(Substring(formatText)))")
        }
        let data = redaction.redact(try format.render(JobReport.load(database: database, jobId: jobId)))
        let type = switch format {
        case .html: "text/html; charset=utf-8"
        case .json: "application/json; charset=utf-8"
        case .csv: "text/csv; charset=utf-8"
        }
        return Response(status: .ok, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    func cancel(jobId: Int64) throws -> Response {
        let outcome: CancellationOutcome
        do {
            outcome = try database.cancelJob(id: jobId)
        } catch let error as JobAlreadyFinished {
            throw APIError(.conflict, "job_finished", error.description)
        }
        let body = CancelledJob(job: jobId, outcome: outcome.rawValue, status: try database.job(id: jobId).status.rawValue)
        return try json(body, status: outcome == .cancelled ? .ok : .accepted)
    }

    /// `privfed audit JOB --json` over HTTP: every check of the records, recorded in `audits` like
    /// the command line's. The verdict is in the body (`passed`); the status is 200 either way,
    /// since the audit itself succeeded. Re-execution (`--reproduce`) is left to the command line:
    /// it re-runs the whole job, minutes that an HTTP request should not hold open.
    func audit(jobId: Int64) throws -> Response {
        _ = try database.job(id: jobId)   // 404 before any work for an unknown job
        return try json(JobAuditor(database: database).audit(jobId: jobId, reproduce: false))
    }

    func openAPI() throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: try OpenAPIDocument.text())))
    }

    /// The `{id}` of a job path; an id that is not a number names no job (404).
    func jobId(_ context: some RequestContext) throws -> Int64 {
        let text = context.parameters.get("id") ?? ""
        guard let id = Int64(text), id > 0 else { throw APIError.jobNotFound(text) }
        return id
    }

    func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        let data = redaction.redact(try JSONOutput.encode(value))
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
