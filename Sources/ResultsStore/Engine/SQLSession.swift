/// Which SQL the engine speaks, where the store's statements must differ. Everything else is
/// written once, in SQL both accept (`?` placeholders, which the PostgreSQL session numbers;
/// `INSERT … ON CONFLICT`; `RETURNING`).
public enum SQLDialect: String, Sendable {
    case sqlite, postgres
}

/// One connection inside one transaction of a results database: what every store method is
/// written against, so that the same code records a job in SQLite and in PostgreSQL.
///
/// Statements take `?` placeholders bound from `SQLArguments`. A session is only valid inside
/// the `read` or `write` call that handed it out.
public protocol SQLSession {
    var dialect: SQLDialect { get }

    /// Runs one statement; returns how many rows it changed.
    @discardableResult
    func execute(sql: String, arguments: SQLArguments) throws -> Int

    /// Runs one statement and returns all its rows.
    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow]

    /// Runs a script of several statements with no arguments (a migration).
    func executeScript(_ sql: String) throws

    /// Whether the database has a table named `name`.
    func tableExists(_ name: String) throws -> Bool

    /// The names of the database's own tables, for refusing a database privfed did not create.
    func tableNames() throws -> [String]

    /// The column names of table `name`, in their declared order.
    func columnNames(of name: String) throws -> [String]
}

extension SQLSession {
    @discardableResult
    public func execute(sql: String) throws -> Int { try execute(sql: sql, arguments: []) }

    public func fetchOne(sql: String, arguments: SQLArguments = []) throws -> SQLRow? {
        try fetchAll(sql: sql, arguments: arguments).first
    }

}

extension SQLRow {
    /// All rows of `sql` (GRDB's spelling, kept so that store code reads the same on both engines).
    public static func fetchAll(_ db: any SQLSession, sql: String, arguments: SQLArguments = []) throws -> [SQLRow] {
        try db.fetchAll(sql: sql, arguments: arguments)
    }

    public static func fetchOne(_ db: any SQLSession, sql: String, arguments: SQLArguments = []) throws -> SQLRow? {
        try db.fetchOne(sql: sql, arguments: arguments)
    }
}

extension SQLDecodable {
    /// The first column of every row, as `Self`; rows whose value is NULL or of another kind are skipped.
    public static func fetchAll(_ db: any SQLSession, sql: String, arguments: SQLArguments = []) throws -> [Self] {
        try db.fetchAll(sql: sql, arguments: arguments).compactMap { $0.values.first.flatMap(Self.init(sqlValue:)) }
    }

    /// The first column of the first row, as `Self`; nil when there is no row or it is NULL.
    public static func fetchOne(_ db: any SQLSession, sql: String, arguments: SQLArguments = []) throws -> Self? {
        try db.fetchOne(sql: sql, arguments: arguments)?.values.first.flatMap(Self.init(sqlValue:))
    }
}
