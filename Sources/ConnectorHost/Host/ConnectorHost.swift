import Logging

/// The embeddable host: discovers the plugins of a directory (each scanned in a
/// throwaway sandbox worker), starts a runtime for each behind its resilience
/// policy, and hands out ``Connector`` handles to call them.
public final class ConnectorHost: Sendable {
    public let configuration: HostConfiguration
    /// What discovery found when the host started.
    public let discovery: DiscoveryReport
    private let plugins: [String: HostedPlugin]
    private let logger: Logger

    private init(
        configuration: HostConfiguration, discovery: DiscoveryReport, plugins: [String: HostedPlugin], logger: Logger
    ) {
        self.configuration = configuration
        self.discovery = discovery
        self.plugins = plugins
        self.logger = logger
    }

    /// Discovers the plugins and starts their runtimes.
    ///
    /// - Parameters:
    ///   - configuration: Plugin directory, trust, policies, clock, metrics.
    ///   - logger: Where the host and its plugins log.
    /// - Returns: A host serving every plugin discovery accepted; rejected files
    ///   are in ``discovery`` and logged. A plugin whose worker cannot start is
    ///   served anyway: its status says why, and it is retried with backoff.
    /// - Throws: `not_found` when the plugin directory cannot be read.
    public static func start(configuration: HostConfiguration, logger: Logger) async throws(ConnectorHostError)
        -> ConnectorHost
    {
        let scanner = IsolatedScanner(
            settings: configuration.sandbox, clock: configuration.clock, cache: configuration.scanCache, logger: logger
        )
        let discovery = try await PluginDiscovery.scan(directory: configuration.pluginDirectory, with: scanner)
        for rejected in discovery.rejected {
            logger.warning("plugin rejected", metadata: ["path": "\(rejected.path)", "error": "\(rejected.error)"])
        }
        let hosted = await withTaskGroup(of: HostedPlugin?.self) { group in
            for plugin in discovery.plugins {
                group.addTask { await host(plugin, configuration: configuration, logger: logger) }
            }
            var hosted: [String: HostedPlugin] = [:]
            for await plugin in group {
                if let plugin { hosted[plugin.description.manifest.name] = plugin }
            }
            return hosted
        }
        return ConnectorHost(configuration: configuration, discovery: discovery, plugins: hosted, logger: logger)
    }

    private static func host(
        _ plugin: DiscoveredPlugin, configuration: HostConfiguration, logger: Logger
    ) async -> HostedPlugin? {
        let name = plugin.description.manifest.name
        var logger = logger
        logger[metadataKey: "plugin"] = "\(name)"
        let policy = configuration.policy(for: plugin.description)
        let runtime: any PluginRuntime
        if configuration.trustedPlugins.contains(name) {
            do {
                runtime = InProcessRuntime(image: try PluginImage.load(plugin.path, logger: logger))
            } catch {
                logger.error("trusted plugin failed to load in process", metadata: ["error": "\(error)"])
                return nil
            }
        } else {
            let sandbox = SandboxRuntime(
                description: plugin.description, pluginPath: plugin.path, policy: policy,
                settings: configuration.sandbox, clock: configuration.clock, logger: logger
            )
            do {
                try await sandbox.start()
            } catch {
                logger.error("sandbox worker failed to start", metadata: ["error": "\(error)"])
            }
            runtime = sandbox
        }
        let guarded = GuardedRuntime(
            runtime: runtime, policy: policy, clock: configuration.clock,
            metrics: PluginMetrics(plugin: name, factory: configuration.metricsFactory), logger: logger
        )
        return HostedPlugin(path: plugin.path, guarded: guarded, clock: configuration.clock)
    }

    /// The connector with this name.
    ///
    /// - Throws: `not_found`, naming the connectors there are.
    public func connector(named name: String) throws(ConnectorHostError) -> Connector {
        guard let plugin = plugins[name] else {
            let known = plugins.keys.sorted()
            let rejected = discovery.rejected.first { $0.path.hasSuffix("/\(name).so") }
            var message = "no connector named '\(name)' in \(configuration.pluginDirectory)"
            message += known.isEmpty ? " (no plugin loaded)" : " (loaded: \(known.joined(separator: ", ")))"
            if let rejected { message += "; \(rejected.path) was rejected: \(rejected.error)" }
            throw ConnectorHostError(.notFound, message)
        }
        return Connector(plugin: plugin)
    }

    /// The hosted plugin with this name, if any.
    package func plugin(named name: String) -> HostedPlugin? { plugins[name] }

    /// The names of the connectors the host serves, sorted.
    public var connectorNames: [String] { plugins.keys.sorted() }

    /// Every plugin's state now, by name.
    public var statuses: [PluginStatus] {
        plugins.keys.sorted().compactMap { plugins[$0]?.status }
    }

    /// Closes every open session and stops every runtime and worker.
    public func shutdown() async {
        await withTaskGroup(of: Void.self) { group in
            for plugin in plugins.values {
                group.addTask { await plugin.guarded.runtime.shutdown() }
            }
        }
    }
}
