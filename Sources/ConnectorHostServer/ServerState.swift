import ConnectorHost
import Logging
import Prometheus

/// What every route shares: the host, the registry and the server's mode.
final class ServerState: Sendable {
    let host: ConnectorHost
    let registry: Registry
    let configuration: ServerConfiguration
    let metrics: PrometheusCollectorRegistry
    let logger: Logger

    init(
        host: ConnectorHost, registry: Registry, configuration: ServerConfiguration, metrics: PrometheusCollectorRegistry,
        logger: Logger
    ) {
        self.host = host
        self.registry = registry
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }

    var development: Bool { configuration.development }

    /// The connector a caller may call: loaded, and (outside development) Live
    /// in the catalogue for the caller — published to every org, or to the
    /// caller's own.
    ///
    /// - Throws: `not_found` for an unknown connector or one the caller may not see.
    func callableConnector(_ name: String, for principal: Principal) throws(ConnectorHostError) -> Connector {
        let connector = try host.connector(named: name)
        guard !development else { return connector }
        let entries = try registry.catalogueEntries(named: name)
        guard entries.contains(where: { $0.isCallable(by: principal) }) else {
            let live = entries.contains { $0.status == .live }
            throw ConnectorHostError(
                .notFound,
                live ? "connector '\(name)' is not published to your org"
                    : "connector '\(name)' is not Live; publish it (Draft → InValidation → Live) to take calls"
            )
        }
        return connector
    }
}

/// Which plugins a server serves: outside development, only those whose
/// manifest key and secret validate against a registration, with the
/// registration's entity IDs; each is recorded in the catalogue as a Draft.
enum RegistryAdmission {
    static func admission(registry: Registry, development: Bool)
        -> @Sendable (String, PluginDescription) async throws(ConnectorHostError) -> [String]
    {
        { path, description throws(ConnectorHostError) in
            let manifest = description.manifest
            do throws(ConnectorHostError) {
                let registration = try registry.verify(key: manifest.key, secret: manifest.secret.revealed)
                try registration.checkEntityIds(of: manifest, subject: "\(path): its")
                if try registry.catalogueEntry(id: "\(manifest.name)-\(manifest.version)") == nil {
                    try registry.recordDraft(
                        description, registration: registration, filePath: path, sha256: try ScanKey(path: path).sha256,
                        by: .admin
                    )
                }
                return []
            } catch {
                guard development else {
                    if error.code == .unauthorized {
                        throw ConnectorHostError(.unauthorized, "\(path): rejected: \(error.message)")
                    }
                    throw error
                }
                return ["'\(manifest.name)' is served without a valid registration (\(error.message)) because the server runs with --dev"]
            }
        }
    }
}
