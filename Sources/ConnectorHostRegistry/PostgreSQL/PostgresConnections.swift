import ConnectorHost
import Logging
import NIOCore
import PostgresNIO

/// The registry's connections to PostgreSQL: opened when needed, at most
/// ``limit`` at a time (a burst of requests waits its turn rather than
/// opening hundreds), kept for the next transaction while healthy, dropped
/// when the server closed them (a restart), so that the next transaction
/// opens a fresh one.
actor PostgresConnections {
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private var idle: [PostgresConnection] = []
    private var nextID = 0
    /// The most transactions running at once, each on a connection of its own.
    static let limit = 8
    private let turns = AsyncSemaphore(permits: limit)

    init(configuration: PostgresConnection.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// A healthy connection: one kept, or a new one. Each lease ends with
    /// ``giveBack(_:)`` or ``discard(_:)``.
    func lease() async throws(ConnectorHostError) -> PostgresConnection {
        await turns.acquire()
        while let connection = idle.popLast() {
            if !connection.isClosed { return connection }
        }
        do {
            return try await connect()
        } catch {
            turns.release()
            throw error
        }
    }

    /// Keeps `connection` for the next transaction.
    func giveBack(_ connection: PostgresConnection) {
        defer { turns.release() }
        guard !connection.isClosed else { return }
        idle.append(connection)
    }

    /// Drops `connection`, whose state is unknown after an error.
    func discard(_ connection: PostgresConnection) {
        defer { turns.release() }
        Self.close(connection)
    }

    /// Closes `connection`, keeping it until it is closed (PostgresNIO
    /// requires a connection to be closed before it goes).
    nonisolated static func close(_ connection: PostgresConnection) {
        let closed: EventLoopFuture<Void> = connection.close()
        closed.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// A new connection of its own, e.g. to listen on.
    func connect() async throws(ConnectorHostError) -> PostgresConnection {
        nextID += 1
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: nextID, logger: logger)
        } catch {
            throw ConnectorHostError(.unavailable, "cannot connect to the registry database: \(PostgresFailure.describe(error))")
        }
    }

    /// Closes every kept connection.
    func closeAll() {
        for connection in idle { Self.close(connection) }
        idle.removeAll()
    }

    deinit {
        for connection in idle { Self.close(connection) }
    }
}
