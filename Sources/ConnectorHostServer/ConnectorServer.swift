import ConnectorHost
import ConnectorHostRegistry
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// The REST server: the registry, the host behind it, and the routes of every
/// API family, run as services that shut down gracefully — the HTTP server
/// stops taking requests and finishes the running ones, then the host closes
/// its sessions and stops its workers, then the registry closes.
public struct ConnectorServer: Sendable {
    /// The connector host serving the plugins.
    public let host: ConnectorHost
    /// The registry of orgs, tokens, registrations and the catalogue.
    public let registry: Registry
    /// An admin token generated at this first start, to show once.
    public let generatedAdminToken: String?
    private let state: ServerState
    private let quarantineKeeper: QuarantineKeeper
    private let logger: Logger

    /// Opens the registry, discovers and admits the plugins, and builds the routes.
    ///
    /// - Throws: Why the registry or the plugin directory cannot be used.
    public static func make(configuration: ServerConfiguration, logger: Logger) async throws(ConnectorHostError)
        -> ConnectorServer
    {
        let registry = configuration.isFleet
            ? try await Registry(postgresURL: configuration.database, hostID: configuration.hostID, logger: logger)
            : try await Registry(path: configuration.database)
        // A registry in memory keeps its connections' key in memory too.
        let vault = configuration.database == ":memory:" && configuration.connectionKeyPath == nil
            ? ConnectionVault() : try ConnectionVault(keyFile: configuration.resolvedConnectionKeyPath)
        let generated = try await registry.ensureAdminToken(configured: configuration.adminToken)
        let metrics = PrometheusCollectorRegistry()
        var hostConfiguration = configuration.host
        hostConfiguration.watchesPluginDirectory = configuration.watch
        hostConfiguration.metricsFactory = PrometheusMetricsFactory(registry: metrics)
        hostConfiguration.scanCache = registry
        hostConfiguration.admission = RegistryAdmission.admission(registry: registry, development: configuration.development)
        let quarantineKeeper = QuarantineKeeper(registry: registry, logger: logger)
        hostConfiguration.onQuarantine = { quarantineKeeper.report(plugin: $0, sha256: $1, reason: $2) }
        let host = try await ConnectorHost.start(configuration: hostConfiguration, logger: logger)
        var serverConfiguration = configuration
        serverConfiguration.host = hostConfiguration
        let state = ServerState(
            host: host, registry: registry, vault: vault, configuration: serverConfiguration, metrics: metrics,
            logger: logger
        )
        await CatalogueServing.restore(state: state)
        // What operators paused stays paused across restarts, and a build
        // quarantined for its crashes stays quarantined until restarted or rebuilt.
        for name in try await registry.pausedPlugins() {
            (try? host.connector(named: name))?.pause()
        }
        for kept in try await registry.quarantines() {
            guard let plugin = host.plugin(named: kept.plugin), plugin.fileSHA256 == kept.sha256 else { continue }
            plugin.guarded.runtime.quarantine(because: "\(kept.reason) (kept from before the server restarted)")
        }
        return ConnectorServer(
            host: host, registry: registry, generatedAdminToken: generated, state: state,
            quarantineKeeper: quarantineKeeper, logger: logger
        )
    }

    /// Every route, behind authentication.
    func router() -> Router<AppRequestContext> {
        // The middleware that answers 405 needs the route list before the
        // routes are added behind it: it takes the list of a router built alike.
        let listing = Router(context: AppRequestContext.self)
        addRoutes(to: listing)
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: AccessLog(logger: logger))
        router.add(middleware: JSONErrors(routes: RouteTable(listing.routes)))
        router.add(middleware: RequestSizeLimit(limit: state.configuration.maxBodySize))
        router.add(middleware: Authentication(registry: registry))
        addRoutes(to: router)
        return router
    }

    private func addRoutes(to router: Router<AppRequestContext>) {
        ControlPlaneRoutes.add(to: router, state: state)
        AdminRoutes.add(to: router, state: state)
        RegistrationRoutes.add(to: router, state: state)
        CatalogueRoutes.add(to: router, state: state)
        FunctionRoutes.add(to: router, state: state)
        SDKRoutes.add(to: router, state: state)
        BuilderRoutes.add(to: router, state: state)
        ConsoleRoutes.add(to: router)
        ConnectionRoutes.add(to: router, state: state)
    }

    /// Serves until SIGINT or SIGTERM (or until the task is cancelled), then
    /// shuts down gracefully.
    ///
    /// - Parameter onListening: Called with the port once the server listens
    ///   (useful with port 0).
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let configuration = state.configuration
        let application = Application(
            router: router(),
            configuration: .init(
                address: .hostname(configuration.address, port: configuration.port), serverName: "connector-host"
            ),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
        // Stops after the host, whose last crashes it may still be writing.
        var services: [any Service] = [quarantineKeeper, host, application]
        if registry.isShared {
            // Stops last: requests finishing during shutdown still read the registry.
            services.insert(FleetFollower(state: state), at: 0)
        }
        // Shut down first (a group stops its services last to first): the
        // HTTP server waits for its running requests, so their calls must be
        // bounded before it does.
        services.append(CallDeadlineService(host: host, deadline: configuration.host.shutdownDeadline))
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            // The host service may not have run to shut the host down.
            await host.shutdown()
            throw error
        }
    }
}

/// On graceful shutdown, ends the running calls within the deadline (see
/// ``ConnectorHost/stopCalls(within:)``), so that the HTTP server's wait for its
/// running requests is bounded.
struct CallDeadlineService: Service {
    let host: ConnectorHost
    let deadline: Duration

    func run() async throws {
        try? await gracefulShutdown()
        await host.stopCalls(within: deadline)
    }
}

