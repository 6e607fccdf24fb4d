import Foundation
import Hummingbird
import Logging
import ResultsStore

/// Builds the Hummingbird application of `privfed serve`: the routes of `APIRoute.all` behind
/// `APIGate`, answering from one results database.
public enum APIServer {
    public typealias App = Application<RouterResponder<BasicRequestContext>>

    /// The router alone (what the in-process tests and the fuzzer drive).
    public static func router(configuration: APIConfiguration, database: ResultsDatabase, logger: Logger) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let redaction = ServerPathRedaction(configuration: configuration, databasePath: database.path)
        router.add(middleware: APIGate<BasicRequestContext>(tokens: configuration.tokens, redaction: redaction, logger: logger))
        let api = JobAPI(database: database, configuration: configuration, redaction: redaction)
        for route in APIRoute.all {
            router.on(RouterPath(route.path), method: route.method) { request, context in
                try await api.respond(route, request, context)
            }
        }
        return router
    }

    /// The application, listening on `configuration.host:port`; `onListening` receives the bound
    /// port (useful with port 0, which lets the system choose a free one).
    public static func application(configuration: APIConfiguration, database: ResultsDatabase, logger: Logger,
                                   onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> App {
        Application(router: router(configuration: configuration, database: database, logger: logger),
                    configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port),
                                                            serverName: "privfed"),
                    onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
                    logger: logger)
    }
}
