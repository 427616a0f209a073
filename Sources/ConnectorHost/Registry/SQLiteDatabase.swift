import CSQLite
import Synchronization

/// A value bound to or read from a SQLite statement.
package enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// One row of a query's result, by column name.
package struct SQLiteRow: Sendable {
    package let values: [String: SQLiteValue]

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

/// One SQLite connection in WAL mode, used by one caller at a time. Every
/// write runs in a `BEGIN IMMEDIATE` transaction that commits whole or not at
/// all — a process killed in the middle leaves the file as before it began.
package final class SQLiteDatabase: Sendable {
    // The connection is only touched with `lock` held.
    private nonisolated(unsafe) let handle: OpaquePointer
    private let lock = Mutex(())
    /// Writes run so far, committed or not: caches of reads drop what was
    /// read before the latest one (``RegistryReadCache``).
    private let writes = Atomic<UInt64>(0)
    package let path: String

    /// Moves on with every write; read it before a read whose answer is kept.
    package var generation: UInt64 { writes.load(ordering: .acquiring) }

    /// Opens (creating if needed) the database at `path`; ":memory:" for one in memory.
    ///
    /// - Throws: `unavailable` when it cannot be opened.
    package init(path: String) throws(ConnectorHostError) {
        var connection: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &connection, flags, nil) == SQLITE_OK, let connection else {
            let reason = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(connection)
            throw ConnectorHostError(.unavailable, "cannot open the registry database \(path): \(reason)")
        }
        handle = connection
        self.path = path
        sqlite3_busy_timeout(connection, 5000)
        try lock.withLock { _ throws(ConnectorHostError) in
            try Transaction(handle: handle).execute("PRAGMA journal_mode = WAL")
            try Transaction(handle: handle).execute("PRAGMA foreign_keys = ON")
            try Transaction(handle: handle).execute("PRAGMA synchronous = FULL")
        }
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs `body` in one write transaction.
    package func write<Result: Sendable>(
        _ body: (Transaction) throws(ConnectorHostError) -> Result
    ) throws(ConnectorHostError) -> Result {
        try lock.withLock { _ throws(ConnectorHostError) -> Result in
            defer { writes.add(1, ordering: .releasing) }
            let transaction = Transaction(handle: handle)
            try transaction.execute("BEGIN IMMEDIATE")
            do throws(ConnectorHostError) {
                let result = try body(transaction)
                try transaction.execute("COMMIT")
                return result
            } catch {
                try? transaction.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs `body` for reading, in one snapshot.
    package func read<Result: Sendable>(
        _ body: (Transaction) throws(ConnectorHostError) -> Result
    ) throws(ConnectorHostError) -> Result {
        try lock.withLock { _ throws(ConnectorHostError) -> Result in
            let transaction = Transaction(handle: handle)
            try transaction.execute("BEGIN DEFERRED")
            defer { try? transaction.execute("COMMIT") }
            return try body(transaction)
        }
    }

    /// Statements inside one transaction.
    package struct Transaction {
        fileprivate let handle: OpaquePointer

        /// Runs a statement, ignoring any rows.
        package func execute(_ sql: String, _ parameters: SQLiteValue...) throws(ConnectorHostError) {
            _ = try rows(sql, parameters)
        }

        /// Runs a query.
        package func rows(_ sql: String, _ parameters: SQLiteValue...) throws(ConnectorHostError) -> [SQLiteRow] {
            try rows(sql, parameters)
        }

        /// The first row of a query, if any.
        package func row(_ sql: String, _ parameters: SQLiteValue...) throws(ConnectorHostError) -> SQLiteRow? {
            try rows(sql, parameters).first
        }

        /// Rows changed by the last statement.
        package var changes: Int { Int(sqlite3_changes(handle)) }

        private func rows(_ sql: String, _ parameters: [SQLiteValue]) throws(ConnectorHostError) -> [SQLiteRow] {
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
                throw failure("preparing \(sql)")
            }
            defer { sqlite3_finalize(statement) }
            for (index, parameter) in parameters.enumerated() {
                let position = Int32(index + 1)
                switch parameter {
                case .null: sqlite3_bind_null(statement, position)
                case .integer(let value): sqlite3_bind_int64(statement, position, value)
                case .real(let value): sqlite3_bind_double(statement, position, value)
                case .text(let value): sqlite3_bind_text(statement, position, value, -1, CSQLite_transient())
                case .blob(let value):
                    _ = value.withUnsafeBytes {
                        sqlite3_bind_blob(statement, position, $0.baseAddress, Int32($0.count), CSQLite_transient())
                    }
                }
            }
            var rows: [SQLiteRow] = []
            while true {
                let step = sqlite3_step(statement)
                if step == SQLITE_DONE { return rows }
                guard step == SQLITE_ROW else { throw failure("running \(sql)") }
                var values: [String: SQLiteValue] = [:]
                for column in 0..<sqlite3_column_count(statement) {
                    let name = String(cString: sqlite3_column_name(statement, column))
                    switch sqlite3_column_type(statement, column) {
                    case SQLITE_INTEGER: values[name] = .integer(sqlite3_column_int64(statement, column))
                    case SQLITE_FLOAT: values[name] = .real(sqlite3_column_double(statement, column))
                    case SQLITE_TEXT: values[name] = .text(String(cString: sqlite3_column_text(statement, column)))
                    case SQLITE_BLOB:
                        let count = Int(sqlite3_column_bytes(statement, column))
                        let bytes = sqlite3_column_blob(statement, column)
                        values[name] = .blob(bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? [])
                    default: values[name] = .null
                    }
                }
                rows.append(SQLiteRow(values: values))
            }
        }

        private func failure(_ doing: String) -> ConnectorHostError {
            let code = sqlite3_errcode(handle)
            let message = String(cString: sqlite3_errmsg(handle))
            if code == SQLITE_CONSTRAINT {
                return ConnectorHostError(.conflict, "the registry refused the change: \(message)")
            }
            return ConnectorHostError(.unavailable, "registry database error while \(doing): \(message)")
        }
    }
}
