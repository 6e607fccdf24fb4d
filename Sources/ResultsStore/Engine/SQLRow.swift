/// One result row, its values by column name, as either engine returned it.
public struct SQLRow: Sendable, Equatable {
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value of the column named `name`; `.null` for a column the row does not have.
    public func value(_ name: String) -> SQLValue {
        guard let i = columns.firstIndex(of: name) else { return .null }
        return values[i]
    }

    /// The column `name` as `T`. A NULL, or a value of another kind, is a schema defect the
    /// store cannot recover from, as GRDB treats it: it stops with the column's name.
    public subscript<T: SQLDecodable>(_ name: String) -> T {
        let v = value(name)
        guard let decoded = T(sqlValue: v) else {
            preconditionFailure("results database: column \(name) holds \(v), not a \(T.self)")
        }
        return decoded
    }

    /// The column `name` as `T`, nil for NULL.
    public subscript<T: SQLDecodable>(_ name: String) -> T? {
        let v = value(name)
        if v == .null { return nil }
        guard let decoded = T(sqlValue: v) else {
            preconditionFailure("results database: column \(name) holds \(v), not a \(T.self)")
        }
        return decoded
    }

    /// The value in column position `index` (0-based) as `T`, nil for NULL.
    public subscript<T: SQLDecodable>(_ index: Int) -> T? {
        let v = values[index]
        return v == .null ? nil : T(sqlValue: v)
    }
}
