import ConnectorHost

/// Where the registry keeps its rows: one SQLite file (the default), or a
/// PostgreSQL database shared by a fleet of hosts. The registry's statements
/// are written once, in the SQL both understand; each database runs them in
/// its own transactions.
package protocol RegistryDatabase: Sendable {
    /// The file or server, for messages (never with a password).
    var location: String { get }

    /// Moves on with every committed write, this host's or (in a fleet)
    /// another's: a cached read taken at an older generation is stale
    /// (``RegistryReadCache``).
    var generation: UInt64 { get }

    /// Runs `body` in one write transaction: it commits whole, or not at all.
    /// Write transactions run one at a time, across every host of a fleet.
    @discardableResult
    func write<Result: Sendable>(
        _ body: (any RegistryTransaction) async throws(ConnectorHostError) -> Result
    ) async throws(ConnectorHostError) -> Result

    /// Runs `body` for reading, in one snapshot.
    func read<Result: Sendable>(
        _ body: (any RegistryTransaction) async throws(ConnectorHostError) -> Result
    ) async throws(ConnectorHostError) -> Result
}

/// The statements of one transaction. Parameters are written `?` in the SQL.
package protocol RegistryTransaction {
    /// Runs a statement and answers the rows it returned and how many rows it changed.
    func run(_ sql: String, _ parameters: [SQLValue]) async throws(ConnectorHostError) -> (rows: [SQLRow], changes: Int)
}

extension RegistryTransaction {
    /// Runs a statement, ignoring any rows; answers how many rows it changed.
    @discardableResult
    package func execute(_ sql: String, _ parameters: SQLValue...) async throws(ConnectorHostError) -> Int {
        try await run(sql, parameters).changes
    }

    /// Runs a query.
    package func rows(_ sql: String, _ parameters: SQLValue...) async throws(ConnectorHostError) -> [SQLRow] {
        try await run(sql, parameters).rows
    }

    /// The first row of a query, if any.
    package func row(_ sql: String, _ parameters: SQLValue...) async throws(ConnectorHostError) -> SQLRow? {
        try await run(sql, parameters).rows.first
    }
}
