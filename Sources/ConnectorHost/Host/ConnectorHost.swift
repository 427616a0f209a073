import Logging

/// The embeddable host: discovers the plugins of a directory, starts a runtime
/// for each and hands out ``Connector`` handles to call them.
public final class ConnectorHost: Sendable {
    public let configuration: HostConfiguration
    /// What discovery found when the host started.
    public let discovery: DiscoveryReport
    private let connectors: [String: Connector]
    private let logger: Logger

    private init(
        configuration: HostConfiguration, discovery: DiscoveryReport, connectors: [String: Connector], logger: Logger
    ) {
        self.configuration = configuration
        self.discovery = discovery
        self.connectors = connectors
        self.logger = logger
    }

    /// Discovers the plugins and starts their runtimes.
    ///
    /// - Parameters:
    ///   - configuration: Plugin directory and defaults.
    ///   - logger: Where the host and its plugins log.
    /// - Returns: A host serving every plugin discovery accepted; rejected files
    ///   are in ``discovery`` and logged.
    /// - Throws: `not_found` when the plugin directory cannot be read.
    public static func start(configuration: HostConfiguration, logger: Logger) async throws(ConnectorHostError)
        -> ConnectorHost
    {
        let discovery = try await discover(directory: configuration.pluginDirectory, logger: logger)
        for rejected in discovery.rejected {
            logger.warning("plugin rejected", metadata: ["path": "\(rejected.path)", "error": "\(rejected.error)"])
        }
        var connectors: [String: Connector] = [:]
        for plugin in discovery.plugins {
            do throws(ConnectorHostError) {
                let image = try PluginImage.load(plugin.path, logger: logger)
                let connector = Connector(
                    runtime: InProcessRuntime(image: image), timeLimit: configuration.defaultTimeLimit
                )
                connectors[plugin.description.manifest.name] = connector
            } catch {
                logger.error("plugin failed to start", metadata: ["path": "\(plugin.path)", "error": "\(error)"])
            }
        }
        return ConnectorHost(configuration: configuration, discovery: discovery, connectors: connectors, logger: logger)
    }

    /// The connector with this name.
    ///
    /// - Throws: `not_found`, naming the connectors there are.
    public func connector(named name: String) throws(ConnectorHostError) -> Connector {
        guard let connector = connectors[name] else {
            let known = connectors.keys.sorted()
            let rejected = discovery.rejected.first { $0.path.hasSuffix("/\(name).so") }
            var message = "no connector named '\(name)' in \(configuration.pluginDirectory)"
            message += known.isEmpty ? " (no plugin loaded)" : " (loaded: \(known.joined(separator: ", ")))"
            if let rejected { message += "; \(rejected.path) was rejected: \(rejected.error)" }
            throw ConnectorHostError(.notFound, message)
        }
        return connector
    }

    /// The names of the connectors the host serves, sorted.
    public var connectorNames: [String] { connectors.keys.sorted() }

    /// Closes every open session and stops every runtime.
    public func shutdown() async {
        for connector in connectors.values {
            await connector.shutdown()
        }
    }
}
