import ConnectorHost
import CSQLite
import Synchronization

/// One SQLite connection in WAL mode, used by one transaction at a time, on
/// a thread of its own. Every write runs in a `BEGIN IMMEDIATE` transaction
/// that commits whole or not at all — a process killed in the middle leaves
/// the file as before it began.
package final class SQLiteDatabase: RegistryDatabase {
    // The connection is only touched by the transaction holding `turn`.
    private nonisolated(unsafe) let handle: OpaquePointer
    private let turn = AsyncSemaphore(permits: 1)
    /// SQLite blocks its caller: its calls run here, off Swift's cooperative threads.
    private let thread = DedicatedThreadExecutor(name: "registry-sqlite")
    /// Writes run so far, committed or not: caches of reads drop what was
    /// read before the latest one (``RegistryReadCache``).
    private let writes = Atomic<UInt64>(0)
    package let location: String

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
        location = path
        sqlite3_busy_timeout(connection, 5000)
        let setup = Transaction(handle: handle)
        for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL"] {
            _ = try setup.statement(pragma, [])
        }
    }

    deinit {
        thread.stop()
        sqlite3_close_v2(handle)
    }

    @discardableResult
    package func write<Result: Sendable>(
        _ body: (any RegistryTransaction) async throws(ConnectorHostError) -> Result
    ) async throws(ConnectorHostError) -> Result {
        try await inTurn { transaction throws(ConnectorHostError) in
            defer { writes.add(1, ordering: .releasing) }
            _ = try transaction.statement("BEGIN IMMEDIATE", [])
            do throws(ConnectorHostError) {
                let result = try await body(transaction)
                _ = try transaction.statement("COMMIT", [])
                return result
            } catch {
                _ = try? transaction.statement("ROLLBACK", [])
                throw error
            }
        }
    }

    package func read<Result: Sendable>(
        _ body: (any RegistryTransaction) async throws(ConnectorHostError) -> Result
    ) async throws(ConnectorHostError) -> Result {
        try await inTurn { transaction throws(ConnectorHostError) in
            _ = try transaction.statement("BEGIN DEFERRED", [])
            defer { _ = try? transaction.statement("COMMIT", []) }
            return try await body(transaction)
        }
    }

    private func inTurn<Result: Sendable>(
        _ body: (Transaction) async throws(ConnectorHostError) -> Result
    ) async throws(ConnectorHostError) -> Result {
        await turn.acquire()
        defer { turn.release() }
        let transaction = Transaction(handle: handle)
        return try await withTaskExecutorPreference(thread) { () async throws(ConnectorHostError) -> Result in
            try await body(transaction)
        }
    }

    /// Statements inside one transaction.
    struct Transaction: RegistryTransaction {
        fileprivate let handle: OpaquePointer

        func run(_ sql: String, _ parameters: [SQLValue]) throws(ConnectorHostError) -> (rows: [SQLRow], changes: Int) {
            try statement(sql, parameters)
        }

        fileprivate func statement(_ sql: String, _ parameters: [SQLValue]) throws(ConnectorHostError) -> (rows: [SQLRow], changes: Int) {
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
            var rows: [SQLRow] = []
            while true {
                let step = sqlite3_step(statement)
                if step == SQLITE_DONE { return (rows, Int(sqlite3_changes(handle))) }
                guard step == SQLITE_ROW else { throw failure("running \(sql)") }
                var values: [String: SQLValue] = [:]
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
                rows.append(SQLRow(values: values))
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
