/// A value bound to or read from a registry statement, in either database.
package enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// One row of a query's result, by column name.
package struct SQLRow: Sendable {
    package let values: [String: SQLValue]

    package func text(_ column: String) -> String? {
        if case .text(let value) = values[column] { return value }
        return nil
    }

    package func integer(_ column: String) -> Int64? {
        if case .integer(let value) = values[column] { return value }
        return nil
    }

    package func blob(_ column: String) -> [UInt8]? {
        if case .blob(let value) = values[column] { return value }
        return nil
    }
}
