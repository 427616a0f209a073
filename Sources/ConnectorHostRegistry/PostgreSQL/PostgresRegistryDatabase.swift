import ConnectorHost
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The registry in PostgreSQL, shared by every host of a fleet.
///
/// Write transactions take one transaction-scoped advisory lock first, so that
/// they run one at a time across all hosts, as SQLite's `BEGIN IMMEDIATE` runs
/// them one at a time in one file: an entity ID block is read and advanced in
/// one transaction that no other host's can interleave with, and a host killed
/// mid-write leaves nothing, since PostgreSQL rolls back what did not commit.
/// Each write also notifies ``changeChannel``; ``followChanges(clock:onChange:)``
/// listens to it, so that every host drops its cached reads within moments of
/// another host's write.
package final class PostgresRegistryDatabase: RegistryDatabase {
    /// The channel every committed write notifies, with the writing host's ID.
    static let changeChannel = "connector_host_registry"
    /// The advisory lock every write transaction (and migration) holds.
    static let writeLock: Int64 = 0x636F_6E6E_686F_7374

    package let location: String
    private let connections: PostgresConnections
    private let logger: Logger
    /// This host's own writes, plus one for every change another host announced
    /// (or could have announced while this host was not listening).
    private let changes = Atomic<UInt64>(0)
    /// Who wrote: carried in notifications.
    let hostID: String

    package var generation: UInt64 { changes.load(ordering: .acquiring) }

    /// - Throws: `invalid_request` for a URL that is not a PostgreSQL one.
    package init(url: String, hostID: String, logger: Logger) throws(ConnectorHostError) {
        let location = try PostgresLocation(url: url)
        self.location = location.redacted
        self.logger = logger
        self.hostID = hostID
        connections = PostgresConnections(configuration: location.configuration, logger: logger)
    }

    @discardableResult
    package func write<Result: Sendable>(
        _ body: (any RegistryTransaction) async throws(ConnectorHostError) -> Result
    ) async throws(ConnectorHostError) -> Result {
        defer { changes.add(1, ordering: .releasing) }
        return try await transaction(
            begin: "BEGIN ISOLATION LEVEL READ COMMITTED",
            then: ["SELECT pg_advisory_xact_lock(\(Self.writeLock))"],
            end: ["SELECT pg_notify('\(Self.changeChannel)', '\(hostID)')", "COMMIT"],
            body
        )
    }

    package func read<Result: Sendable>(
        _ body: (any RegistryTransaction) async throws(ConnectorHostError) -> Result
    ) async throws(ConnectorHostError) -> Result {
        try await transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", then: [], end: ["COMMIT"], body)
    }

    private func transaction<Result: Sendable>(
        begin: String, then setup: [String], end: [String],
        _ body: (any RegistryTransaction) async throws(ConnectorHostError) -> Result
    ) async throws(ConnectorHostError) -> Result {
        let connection = try await connections.lease()
        let transaction = PostgresTransaction(connection: connection, logger: logger)
        do throws(ConnectorHostError) {
            try await transaction.execute(begin)
            for statement in setup { try await transaction.execute(statement) }
            let result = try await body(transaction)
            for statement in end { try await transaction.execute(statement) }
            await connections.giveBack(connection)
            return result
        } catch {
            if !connection.isClosed, (try? await transaction.execute("ROLLBACK")) != nil {
                await connections.giveBack(connection)
            } else {
                await connections.discard(connection)
            }
            throw error
        }
    }

    /// Listens for other hosts' writes until cancelled, dropping this host's
    /// cached reads and calling `onChange` for each. A lost connection is
    /// retried every `retryInterval` by `clock`; once listening again, the
    /// changes missed meanwhile are unknown, so `onChange` runs once for them.
    package func followChanges(
        clock: any HostClock, retryInterval: Duration = .seconds(1), onChange: @escaping @Sendable () async -> Void
    ) async {
        while !Task.isCancelled {
            do {
                let connection = try await connections.connect()
                defer { PostgresConnections.close(connection) }
                try await connection.listen(on: Self.changeChannel) { notifications in
                    // Listening now: whatever happened before is read afresh.
                    changes.add(1, ordering: .releasing)
                    await onChange()
                    for try await notification in notifications where notification.payload != hostID {
                        changes.add(1, ordering: .releasing)
                        await onChange()
                    }
                }
            } catch {
                logger.warning(
                    "lost the registry's change notifications; listening again shortly",
                    metadata: ["database": "\(location)", "error": "\(String(reflecting: error))"]
                )
            }
            try? await clock.sleep(for: retryInterval)
        }
    }
}

extension PostgresRegistryDatabase {
    /// Closes the connections kept between transactions.
    func close() async {
        await connections.closeAll()
    }
}
