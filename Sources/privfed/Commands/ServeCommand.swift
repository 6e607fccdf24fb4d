import ArgumentParser
import Foundation
import Logging
import Pipeline
import ResultsStore
import Service

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API: queue, follow and cancel jobs over HTTP.",
        discussion: """
        Jobs posted to the API are validated (an invalid manifest answers 422 with the lines `privfed \
        validate` prints) and queued in the database; --workers N threads in this process run them (0: \
        queue only, for `privfed worker` processes on the same --db). The seed's call starts a shipped \
        manifest by privacy kind:

          privfed serve --tokens tokens.txt &
          curl -X POST http://localhost:8001/api/training/start \\
               -H "Authorization: Bearer $TOKEN" --data '{"privacy": "differential"}'

        Every route but GET /api/health and GET /api/openapi.yaml needs `Authorization: Bearer TOKEN`. \
        Tokens come from --tokens FILE (one per line, # comments) or PRIVFED_API_TOKENS (comma-separated), \
        at least 16 characters each (openssl rand -hex 32 makes one); they are compared in constant time \
        and never logged. Without tokens the server refuses to start, unless --insecure-no-auth on a \
        loopback host.

        The routes are described in GET /api/openapi.yaml (Sources/Service/Resources/openapi.yaml). SIGINT \
        (Ctrl-C) or SIGTERM stops the server: it stops listening, answers the requests in flight, and each \
        running job stops at its next stage boundary, recorded interrupted with its lease released (privfed \
        resume or any worker continues it); then it exits 130 (SIGINT) or 143 (SIGTERM). A second signal \
        quits at once, leaving the jobs as a crash does.
        """
    )

    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on (0: any free port).") var port = 8001
    @OptionGroup var database: DatabaseOption
    @Option(help: ArgumentHelp("The folder of the shipped manifests started by POST /api/training/start.", valueName: "dir"))
    var manifests = "manifests"
    @Option(help: ArgumentHelp("The only folder submitted manifests may name datasets in.", valueName: "dir"))
    var datasetsRoot = "datasets"
    @Option(help: ArgumentHelp("A file of accepted bearer tokens, one per line.", valueName: "file")) var tokens: String?
    @Option(help: "Worker threads in this process (0: queue only).") var workers = 1
    @Option(help: "Largest accepted request body, in bytes.") var maxBodyBytes = APIConfiguration.defaultMaxBodyBytes
    @Flag(help: "Serve without authentication (only allowed on a loopback host).") var insecureNoAuth = false
    @Flag(help: "Print one JSON line when listening (address, port, workers) instead of text.") var json = false
    @OptionGroup var agentLink: AgentPortOptions

    static let tokensVariable = "PRIVFED_API_TOKENS"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        guard (0...64).contains(workers) else { throw ValidationError("--workers must be in 0...64, got \(workers)") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024, got \(maxBodyBytes)") }
        if insecureNoAuth && tokens != nil { throw ValidationError("--insecure-no-auth and --tokens contradict each other") }
        if insecureNoAuth && !APIConfiguration.isLoopback(host) {
            throw ValidationError("--insecure-no-auth is only allowed on a loopback host (127.0.0.1, ::1, localhost), not \(host)")
        }
    }

    /// The accepted tokens, or nil when serving without authentication.
    func acceptedTokens() throws -> BearerTokens? {
        if insecureNoAuth { return nil }
        if let tokens { return try BearerTokens.load(file: tokens) }
        if let value = ProcessInfo.processInfo.environment[Self.tokensVariable] {
            return try BearerTokens.parse(environment: value, name: Self.tokensVariable)
        }
        throw ValidationError("refusing to serve without tokens: pass --tokens FILE or set \(Self.tokensVariable) (or --insecure-no-auth on a loopback host)")
    }

    func run() async throws {
        let trap = SignalTrap()
        let (configuration, store, agentServer) = try reportingErrors {
            var configuration = APIConfiguration(host: host, port: port, manifestsDirectory: manifests, datasetsRoot: datasetsRoot,
                                                 tokens: try acceptedTokens(), maxBodyBytes: maxBodyBytes, workers: workers)
            configuration.agents = agentLink.makeRegistry()
            let server = try agentLink.makeServer(host: host, registry: configuration.agents)
            configuration.agentJobs = server.map { AgentPortOptions.agentJobs(on: $0, stop: trap.stop) }
            return (configuration, try database.open(), server)
        }
        let logger = Logger(label: "privfed.serve") { StreamLogHandler.standardError(label: $0) }
        let workerPool = JobWorkers(database: store, count: workers, requestDatasets: configuration.requestDatasets,
                                    stopRequest: trap.stop, agents: configuration.agentJobs, logger: logger)
        let (listenHost, threads, printJSON, db) = (host, workers, json, database.db)
        let app = APIServer.application(configuration: configuration, database: store, logger: logger) { port in
            if printJSON {
                print(#"{"url": "http://\#(listenHost):\#(port)", "port": \#(port), "workers": \#(threads), "authentication": \#(configuration.tokens != nil), "db": "\#(db)"}"#)
            } else {
                print("privfed serve: listening on http://\(listenHost):\(port) (\(threads) worker\(threads == 1 ? "" : "s"), database \(db), " +
                      (configuration.tokens.map { "\($0.count) token\($0.count == 1 ? "" : "s")" } ?? "NO AUTHENTICATION") + ")")
            }
            fflush(nil)
        }
        workerPool.start()
        let agents = agentLink.start(agentServer, json: json)
        defer { agents?.stop() }
        let signal: Int32?
        do {
            signal = try await APIServer.run(app, until: trap.stop, logger: logger)
        } catch {
            workerPool.stop(wait: false)
            let text = "\(error)"
            let message = text.contains("Address already in use") || text.contains("errno: 98")
                ? "port \(port) on \(host) is already in use; stop what listens there or pick another with --port (0: any free port)"
                : text
            FileHandle.standardError.write(Data("privfed: error: \(message)\n".utf8))
            throw ExitCode(1)
        }
        // The server no longer listens. On a signal, each worker ends its job at the next stage
        // boundary (`interrupted`, lease released); waiting for that blocks this thread, which
        // has nothing left to serve.
        workerPool.stop(wait: signal != nil)
        guard let signal else { return }
        let line = "privfed serve: stopped (\(StopRequest.name(signal)))\n"
        (json ? FileHandle.standardError : FileHandle.standardOutput).write(Data(line.utf8))
        throw ExitCode(128 + signal)
    }
}
