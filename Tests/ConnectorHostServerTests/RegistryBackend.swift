import ConnectorHost
import ConnectorHostRegistry
import Foundation
import Logging
import SharedTestSupport
import Testing

/// The two databases a registry runs on: the registry's tests run against
/// both. PostgreSQL is a real cluster from Debian's packages, one per test
/// process, with a new database per registry.
enum RegistryBackend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    var testDescription: String { rawValue }

    /// Where a new, empty registry lives.
    func newLocation() async throws -> String {
        switch self {
        case .sqlite:
            FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString).sqlite").path
        case .postgresql:
            try await PostgresCluster.shared().newDatabase()
        }
    }

    /// Opens the registry at `location`, as host `hostID` of a fleet for PostgreSQL.
    func open(_ location: String, hostID: String = "test-host") async throws -> Registry {
        switch self {
        case .sqlite: try await Registry(path: location)
        case .postgresql: try await Registry(postgresURL: location, hostID: hostID, logger: ServerFixture.quietLogger)
        }
    }

    /// A new, empty registry.
    func open() async throws -> Registry {
        try await open(try await newLocation())
    }
}
