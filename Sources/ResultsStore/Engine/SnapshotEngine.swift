/// One open read transaction seen as an engine: every `read` runs in it, so the store's read
/// methods, called on `ResultsDatabase.snapshot`'s view, all see the same instant and share the
/// transaction's round trips (one BEGIN and one COMMIT on PostgreSQL instead of one pair each).
/// Writes are refused: a snapshot is read only.
///
/// `@unchecked Sendable` because it holds a session (a GRDB connection, a PostgreSQL
/// connection) that is valid only inside the transaction; `snapshot`'s body is not escaping, and
/// the view it hands out must not be kept past it.
struct SnapshotEngine: ResultsEngine, @unchecked Sendable {
    let session: any SQLSession
    var dialect: SQLDialect { session.dialect }

    func read<T>(_ body: (any SQLSession) throws -> T) throws -> T { try body(session) }

    func write<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        throw ResultsStoreError.writeRefused(sql: "a write inside a read snapshot")
    }

    func claim<T>(_ body: (any SQLSession) throws -> T) throws -> T { try write(body) }

    func withoutTransaction<T>(_ body: (any SQLSession) throws -> T) throws -> T { try body(session) }
}
