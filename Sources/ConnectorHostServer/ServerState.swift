import ConnectorHost
import ConnectorHostRegistry
import Logging
import Prometheus

/// What every route shares: the host, the registry and the server's mode.
final class ServerState: Sendable {
    let host: ConnectorHost
    let registry: Registry
    /// Seals and opens saved connections' settings.
    let vault: ConnectionVault
    let configuration: ServerConfiguration
    let metrics: PrometheusCollectorRegistry
    let logger: Logger
    /// The OpsHub session values handed out, and the settings each stands for.
    let sessionMarkers = SessionMarkers()

    init(
        host: ConnectorHost, registry: Registry, vault: ConnectionVault, configuration: ServerConfiguration,
        metrics: PrometheusCollectorRegistry, logger: Logger
    ) {
        self.host = host
        self.registry = registry
        self.vault = vault
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }

    var development: Bool { configuration.development }

    /// The connector a caller may call: loaded, and (outside development) Live
    /// in the catalogue for the caller — published to every org, or to the
    /// caller's own — with exactly the build that went Live.
    ///
    /// - Throws: `not_found` for an unknown connector or one the caller may not
    ///   see (the same answer, so that a name's existence does not leak);
    ///   `unavailable` when the build serving is not the one validated.
    func callableConnector(_ name: String, for principal: Principal) async throws(ConnectorHostError) -> Connector {
        let connector = try servedConnector(name, for: principal)
        guard !development else { return connector }
        let entries = try await registry.catalogueEntries(named: name)
        guard let live = entries.first(where: { $0.isCallable(by: principal) }) else {
            guard entries.contains(where: { $0.isVisible(to: principal) }) else {
                throw ConnectorHostError(.notFound, "no connector named '\(name)'")
            }
            let published = entries.contains { $0.status == .live }
            throw ConnectorHostError(
                .notFound,
                published ? "connector '\(name)' is not published to your org"
                    : "connector '\(name)' is not Live; publish it (Draft → InValidation → Live) to take calls"
            )
        }
        guard entries.contains(where: { $0.isCallable(by: principal) && $0.fileSHA256 == connector.fileSHA256 }) else {
            throw ConnectorHostError(
                .unavailable,
                "the build of '\(name)' serving now is not the one validated for \(live.id); upload it as a new version and validate it"
            )
        }
        return connector
    }

    /// The connector served under `name`, whoever may call it.
    ///
    /// - Throws: `not_found`; the host's message names its plugin directory,
    ///   so an org gets one that does not.
    func servedConnector(_ name: String, for principal: Principal) throws(ConnectorHostError) -> Connector {
        do {
            return try host.connector(named: name)
        } catch {
            throw principal == .admin ? error : ConnectorHostError(.notFound, "no connector named '\(name)'")
        }
    }

    /// How much of a served plugin a caller may see.
    enum Visibility {
        /// Everything: the caller's own connector, or the caller is the admin.
        case full
        /// Name, version and health: a connector published to every org.
        case published
    }

    /// What `principal` may see of the plugin served under `name`, or nil for
    /// nothing at all. In development, plugins nobody registered are visible to
    /// every token, as they are callable by every token.
    func visibility(ofPluginNamed name: String, to principal: Principal) async throws(ConnectorHostError) -> Visibility? {
        if principal == .admin { return .full }
        let entries = try await registry.catalogueEntries(named: name)
        if entries.contains(where: { principal.mayAct(for: $0.org) }) { return .full }
        if entries.contains(where: { $0.status == .live && $0.scope == .catalogue }) { return .published }
        if development, try await registry.owner(ofConnectorNamed: name) == nil { return .published }
        return nil
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
                let registration = try await registry.verify(key: manifest.key, secret: manifest.secret)
                try registration.checkIdentity(of: manifest, subject: "\(path): its")
                if try await registry.catalogueEntry(id: "\(manifest.name)-\(manifest.version)") == nil {
                    try await registry.recordDraft(
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
