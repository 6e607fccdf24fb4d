import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// The results store on a PostgreSQL server, through postgres-nio.
///
/// Up to `maximumConnections` connections per process, opened when first needed and each used
/// by one transaction at a time, on an event loop of their own: the store's calls are
/// synchronous (as GRDB's are) and wait for their futures on the caller's thread, which is never
/// that loop's, so no async context of the HTTP server is blocked on it. Concurrent readers (the
/// API's status requests) so proceed in parallel, as SQLite's pool of readers does; a command
/// that makes one call at a time opens one connection.
///
/// Writers are serialised across every process and machine by a transaction-scoped advisory
/// lock (`pg_advisory_xact_lock`), the server-side counterpart of SQLite's single writer: the
/// ledger appends read the chain head and then extend it, which must never interleave. A claim
/// (`ResultsEngine.claim`) takes no such lock; it locks the job rows it considers with
/// `FOR UPDATE SKIP LOCKED` instead, so workers claim concurrently and never the same job.
/// Waits for either lock end after `LockRetry`'s limit (`lock_timeout`), as `databaseLocked`.
public final class PostgresEngine: ResultsEngine, @unchecked Sendable {
    public let url: PostgresURL
    public var dialect: SQLDialect { .postgres }
    /// The advisory lock key every write transaction takes ("privfed" in ASCII).
    static let writerLockKey: Int64 = 0x70_72_69_76_66_65_64
    /// Connections one process opens at most (GRDB's pool keeps 5 readers; PostgreSQL's
    /// default `max_connections` of 100 leaves room for 25 such processes).
    public static let maximumConnections = 4

    let group: MultiThreadedEventLoopGroup
    let logger: Logger
    let configuration: PostgresConnection.Configuration
    /// What every new connection runs first.
    let sessionSettings: [String]
    /// Guards `idle` and `opened`; a caller waits on it when every connection is busy.
    let available = NSCondition()
    var idle: [PostgresConnection] = []
    var opened = 0

    public init(url: PostgresURL, lockRetry: LockRetry = LockRetry(), readOnly: Bool) throws {
        self.url = url
        var logger = Logger(label: "privfed.postgres")
        logger.logLevel = .critical
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        configuration = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user,
                                                         password: url.password, database: url.database, tls: .disable)
        sessionSettings = ["SET lock_timeout = '\(Int(lockRetry.limitSeconds * 1000))ms'", "SET client_min_messages = warning"]
            + (readOnly ? ["SET default_transaction_read_only = on"] : [])
        // The first connection now, so an unreachable server or a refused login is named here.
        do {
            idle.append(try connect(id: 1))
            opened = 1
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    deinit { close() }

    func close() {
        // Only idle connections remain: a transaction holds a reference to the engine.
        available.lock()
        let connections = idle
        idle = []
        available.unlock()
        for connection in connections { _ = try? connection.close().wait() }
        try? group.syncShutdownGracefully()
    }

    /// A new connection with the session settings applied; counted in `opened` by the caller.
    private func connect(id: Int) throws -> PostgresConnection {
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(on: group.next(), configuration: configuration, id: id, logger: logger).wait()
        } catch {
            throw ResultsStoreError.serverUnreachable(url: url.redacted, reason: Self.reason(error))
        }
        let session = PostgresSession(engine: self, connection: connection)
        do {
            for setting in sessionSettings { try session.executeScript(setting) }
        } catch {
            _ = try? connection.close().wait()
            throw error
        }
        return connection
    }

    /// Runs `body` on a connection of its own: an idle one, a new one while fewer than
    /// `maximumConnections` are open, or else the next one released.
    func withConnection<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        available.lock()
        while idle.isEmpty && opened >= Self.maximumConnections { available.wait() }
        let connection: PostgresConnection
        if let reused = idle.popLast() {
            available.unlock()
            connection = reused
        } else {
            opened += 1
            let id = opened
            available.unlock()
            do {
                connection = try connect(id: id)
            } catch {
                available.lock()
                opened -= 1
                available.signal()
                available.unlock()
                throw error
            }
        }
        defer {
            available.lock()
            if connection.isClosed { opened -= 1 } else { idle.append(connection) }
            available.signal()
            available.unlock()
        }
        return try body(PostgresSession(engine: self, connection: connection))
    }

    public func read<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try transaction(begin: ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"], body)
    }

    public func write<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try transaction(begin: ["BEGIN", "SELECT pg_advisory_xact_lock(\(Self.writerLockKey))"], body)
    }

    public func claim<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try transaction(begin: ["BEGIN"], body)
    }

    public func withoutTransaction<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try withConnection { session in try body(session) }
    }

    func transaction<T>(begin: [String], _ body: (any SQLSession) throws -> T) throws -> T {
        try withConnection { session in
            for statement in begin { try session.executeScript(statement) }
            do {
                let result = try body(session)
                try session.executeScript("COMMIT")
                return result
            } catch {
                try? session.executeScript("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs one statement on `connection` with its arguments bound, numbering the store's `?` placeholders.
    func run(_ sql: String, _ arguments: SQLArguments, on connection: PostgresConnection) throws -> PostgresQueryResult {
        var binds = PostgresBindings(capacity: arguments.values.count)
        for value in arguments.values {
            switch value {
            case .null: binds.appendNull()
            case .integer(let v): binds.append(v)
            case .real(let v): binds.append(v)
            case .text(let v): binds.append(v)
            case .blob(let b): binds.append(ByteBuffer(bytes: b))
            }
        }
        let query = PostgresQuery(unsafeSQL: SQLPlaceholders.numbered(sql), binds: binds)
        do {
            return try connection.query(query, logger: logger).wait()
        } catch {
            throw translate(error)
        }
    }

    func translate(_ error: any Error) -> ResultsStoreError {
        guard let error = error as? PSQLError else { return .sql(message: "\(url.redacted): \(error)") }
        guard let info = error.serverInfo else {
            return .serverUnreachable(url: url.redacted, reason: Self.reason(error))
        }
        let state = info[.sqlState] ?? ""
        let message = info[.message] ?? "\(error)"
        switch state {
        case "55P03": return .databaseLocked(path: url.redacted)          // lock_not_available
        case "25006": return .writeRefused(sql: message)                  // read_only_sql_transaction
        default: return .sql(message: "\(url.redacted): \(message)")
        }
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }
}

/// A session on one of the engine's connections, inside the transaction that handed it out.
struct PostgresSession: SQLSession {
    let engine: PostgresEngine
    let connection: PostgresConnection
    var dialect: SQLDialect { .postgres }

    func execute(sql: String, arguments: SQLArguments) throws -> Int {
        try engine.run(sql, arguments, on: connection).metadata.rows ?? 0
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        try engine.run(sql, arguments, on: connection).rows.map(Self.row)
    }

    /// The extended query protocol takes one statement at a time, so a script is split first.
    func executeScript(_ sql: String) throws {
        for statement in SQLScript.statements(sql) { _ = try engine.run(statement, [], on: connection) }
    }

    func tableExists(_ name: String) throws -> Bool {
        try Int.fetchOne(self, sql: "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?",
                         arguments: [name]) == 1
    }

    func tableNames() throws -> [String] {
        try String.fetchAll(self, sql: "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    }

    func columnNames(of name: String) throws -> [String] {
        try String.fetchAll(self, sql: """
            SELECT column_name::text FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position
            """, arguments: [name])
    }

    static func row(_ row: PostgresRow) -> SQLRow {
        var columns: [String] = [], values: [SQLValue] = []
        for cell in row {
            columns.append(cell.columnName)
            values.append(value(cell))
        }
        return SQLRow(columns: columns, values: values)
    }

    /// A cell as the store's values: integers of any width as `.integer`, floating point and
    /// numeric as `.real`, bytea as `.blob`, every other type by its text.
    static func value(_ cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return (try? cell.decode(Int64.self)).map(SQLValue.integer) ?? .null
        case .bool: return (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
        case .float4, .float8, .numeric: return (try? cell.decode(Double.self)).map(SQLValue.real) ?? .null
        case .bytea:
            guard let buffer = try? cell.decode(ByteBuffer.self) else { return .null }
            return .blob(Array(buffer.readableBytesView))
        default: return (try? cell.decode(String.self)).map(SQLValue.text) ?? .null
        }
    }
}
