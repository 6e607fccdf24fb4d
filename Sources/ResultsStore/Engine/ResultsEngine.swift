/// The database server or file behind a `ResultsDatabase`: hands out sessions in transactions.
///
/// `write` transactions are serialised across every process that writes the database — SQLite
/// by its single writer lock, PostgreSQL by one transaction-scoped advisory lock — because the
/// ledger appends read the chain head and then extend it, which must never interleave.
/// `claim` is the one writer that need not wait for the others: it locks only the job rows it
/// considers (PostgreSQL: `FOR UPDATE SKIP LOCKED`), so workers on many machines take jobs
/// concurrently and never the same one.
public protocol ResultsEngine: Sendable {
    var dialect: SQLDialect { get }

    /// A read transaction that sees one consistent snapshot.
    func read<T>(_ body: (any SQLSession) throws -> T) throws -> T

    /// A write transaction, committed when `body` returns and rolled back when it throws.
    func write<T>(_ body: (any SQLSession) throws -> T) throws -> T

    /// A write transaction that locks rows instead of the whole store (see the type's comment).
    func claim<T>(_ body: (any SQLSession) throws -> T) throws -> T

    /// Runs `body` outside any transaction (migrations manage their own).
    func withoutTransaction<T>(_ body: (any SQLSession) throws -> T) throws -> T
}
