import ConnectorHost
import Logging
import NIOCore
import PostgresNIO

/// The statements of one transaction on one PostgreSQL connection. The
/// registry's SQL writes parameters as `?`; they become `$1`, `$2`, …
struct PostgresTransaction: RegistryTransaction {
    let connection: PostgresConnection
    let logger: Logger

    func run(_ sql: String, _ parameters: [SQLValue]) async throws(ConnectorHostError) -> (rows: [SQLRow], changes: Int) {
        var bindings = PostgresBindings(capacity: parameters.count)
        for parameter in parameters {
            switch parameter {
            case .null: bindings.appendNull()
            case .integer(let value): bindings.append(value)
            case .real(let value): bindings.append(value)
            case .text(let value): bindings.append(value)
            case .blob(let value): bindings.append(ByteBuffer(bytes: value))
            }
        }
        let query = PostgresQuery(unsafeSQL: Self.numberingParameters(sql), binds: bindings)
        let result: PostgresQueryResult
        do {
            let future: EventLoopFuture<PostgresQueryResult> = connection.query(query, logger: logger)
            result = try await future.get()
        } catch {
            throw PostgresFailure.error(error, running: sql)
        }
        var rows: [SQLRow] = []
        rows.reserveCapacity(result.rows.count)
        for row in result.rows {
            var values: [String: SQLValue] = [:]
            for cell in row {
                values[cell.columnName] = Self.value(of: cell)
            }
            rows.append(SQLRow(values: values))
        }
        return (rows, result.metadata.rows ?? 0)
    }

    /// `?` outside quotes becomes `$1`, `$2`, … in order.
    static func numberingParameters(_ sql: String) -> String {
        var numbered = ""
        numbered.reserveCapacity(sql.utf8.count + 16)
        var count = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                numbered.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                numbered.append(character)
            } else if character == "?" {
                count += 1
                numbered += "$\(count)"
            } else {
                numbered.append(character)
            }
        }
        return numbered
    }

    /// A cell as the registry reads values: integers, text, bytes, reals.
    private static func value(of cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8:
            return (try? cell.decode(Int64.self)).map { .integer($0) } ?? .null
        case .bool:
            return (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
        case .float4, .float8:
            return (try? cell.decode(Double.self)).map { .real($0) } ?? .null
        case .bytea:
            return (try? cell.decode(ByteBuffer.self)).map { .blob(Array($0.readableBytesView)) } ?? .null
        default:
            return (try? cell.decode(String.self)).map { .text($0) } ?? .null
        }
    }
}

/// PostgreSQL's errors in the host's taxonomy.
enum PostgresFailure {
    /// A constraint the change broke is a `conflict`, as in SQLite; anything
    /// else (the server gone, a statement refused) leaves the registry `unavailable`.
    static func error(_ error: any Error, running sql: String) -> ConnectorHostError {
        if let error = error as? PSQLError, let state = error.serverInfo?[.sqlState], state.hasPrefix("23") {
            return ConnectorHostError(.conflict, "the registry refused the change: \(describe(error))")
        }
        return ConnectorHostError(.unavailable, "registry database error while running \(sql): \(describe(error))")
    }

    /// The server's message when there is one: PSQLError's own description
    /// hides it.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            return [message, error.serverInfo?[.detail]].compactMap { $0 }.joined(separator: ": ")
        }
        return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
    }
}
