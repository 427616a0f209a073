import ConnectorHost
import Foundation
import Logging

extension Registry {
    /// Connects to (creating and migrating the schema when needed) a registry
    /// in PostgreSQL, which several hosts may share: fleet mode.
    ///
    /// - Parameters:
    ///   - postgresURL: `postgres://user:password@host:port/database`, with
    ///     `?sslmode=disable|prefer|require` (default `prefer`).
    ///   - hostID: This host's name in the fleet, carried in its change notifications.
    ///   - logger: Where connection trouble is logged.
    ///   - now: The wall clock of timestamps and audit entries.
    /// - Throws: `invalid_request` for a URL that is not PostgreSQL's,
    ///   `unavailable` when the server cannot be reached, `conflict` when its
    ///   schema comes from a newer host.
    public convenience init(
        postgresURL: String, hostID: String, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) async throws(ConnectorHostError) {
        let database = try PostgresRegistryDatabase(url: postgresURL, hostID: hostID, logger: logger)
        try await PostgresMigrations.migrate(database)
        self.init(database: database, now: now)
    }

    /// Whether other hosts may write to this registry (PostgreSQL).
    public var isShared: Bool { database is PostgresRegistryDatabase }

    /// Until cancelled, follows the writes other hosts make to a shared
    /// registry: drops this host's cached reads and calls `onChange` after
    /// each, and once more after a lost connection is back (changes made
    /// meanwhile are not known one by one). Returns at once for a registry
    /// that only this process writes.
    public func followChanges(
        clock: any HostClock = SystemClock(), onChange: @escaping @Sendable () async -> Void
    ) async {
        guard let shared = database as? PostgresRegistryDatabase else { return }
        await shared.followChanges(clock: clock, onChange: onChange)
    }

    /// Closes the registry's connections to its database server, if any.
    public func close() async {
        await (database as? PostgresRegistryDatabase)?.close()
    }
}
