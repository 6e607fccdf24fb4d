import Foundation

/// One value as the results database stores it, whichever engine holds it: the five storage
/// classes of SQLite (sqlite.org/datatype3.html), which PostgreSQL's BIGINT, DOUBLE PRECISION,
/// TEXT and BYTEA columns hold exactly (the PostgreSQL migrations map each column so).
///
/// The store binds and reads only these, so a job's records — and so the ledger's hash chain,
/// which hashes their text — are the same bytes on either engine.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A Swift value that can be bound as a statement argument.
public protocol SQLBindable {
    var sqlValue: SQLValue { get }
}

/// A Swift value that a column can be read as. `init(sqlValue:)` returns nil for a value of
/// another kind (a NULL, or text where a number is wanted); the row subscript turns that into
/// an error naming the column.
public protocol SQLDecodable {
    init?(sqlValue: SQLValue)
}

extension String: SQLBindable, SQLDecodable {
    public var sqlValue: SQLValue { .text(self) }
    public init?(sqlValue: SQLValue) {
        guard case .text(let s) = sqlValue else { return nil }
        self = s
    }
}

extension Int64: SQLBindable, SQLDecodable {
    public var sqlValue: SQLValue { .integer(self) }
    public init?(sqlValue: SQLValue) {
        guard case .integer(let v) = sqlValue else { return nil }
        self = v
    }
}

extension Int: SQLBindable, SQLDecodable {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public init?(sqlValue: SQLValue) {
        guard case .integer(let v) = sqlValue, let i = Int(exactly: v) else { return nil }
        self = i
    }
}

extension Double: SQLBindable, SQLDecodable {
    public var sqlValue: SQLValue { .real(self) }
    /// An integer column read as a number is widened, as SQLite's own `sqlite3_column_double` does
    /// (SQLite stores a REAL column's integral values as integers).
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .real(let v): self = v
        case .integer(let v): self = Double(v)
        default: return nil
        }
    }
}

extension Bool: SQLBindable, SQLDecodable {
    /// Stored as 0 or 1 on both engines (the schema's flags are integers).
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public init?(sqlValue: SQLValue) {
        guard case .integer(let v) = sqlValue else { return nil }
        self = v != 0
    }
}

extension Data: SQLBindable, SQLDecodable {
    public var sqlValue: SQLValue { .blob(Array(self)) }
    public init?(sqlValue: SQLValue) {
        guard case .blob(let b) = sqlValue else { return nil }
        self = Data(b)
    }
}

extension Array: SQLBindable where Element == UInt8 {
    public var sqlValue: SQLValue { .blob(self) }
}

extension Array: SQLDecodable where Element == UInt8 {
    public init?(sqlValue: SQLValue) {
        guard case .blob(let b) = sqlValue else { return nil }
        self = b
    }
}

extension SQLValue: SQLBindable, SQLDecodable {
    public var sqlValue: SQLValue { self }
    public init?(sqlValue: SQLValue) { self = sqlValue }
}

/// The arguments of one statement, bound to its `?` placeholders in order. Written as an array
/// literal at the call site: `[jobId, round, nil]`.
public struct SQLArguments: Sendable, ExpressibleByArrayLiteral, Equatable {
    public var values: [SQLValue]

    public init(_ values: [SQLValue]) { self.values = values }

    public init(arrayLiteral elements: (any SQLBindable)?...) {
        values = elements.map { $0?.sqlValue ?? .null }
    }
}
