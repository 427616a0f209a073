import Foundation
import ConnectorHost

/// How `connector-host serve` (or an embedding service) runs the REST server.
public struct ServerConfiguration: Sendable {
    /// The host: plugin directory, trust, policies, sandbox.
    public var host: HostConfiguration
    /// The registry file (SQLite).
    public var databasePath: String = "data/connector-host.sqlite"
    /// Where uploaded plugin files are kept, by content; nil for `plugin-store`
    /// beside the registry file.
    public var pluginStore: String?
    /// The address the server listens on.
    public var address: String = "127.0.0.1"
    /// The port the server listens on (0: any free port).
    public var port: Int = 8080
    /// Development mode: every loaded plugin takes calls, registered or not.
    public var development = false
    /// An admin token to accept (`CONNECTOR_HOST_ADMIN_TOKEN`); without one, the
    /// server generates one at first start and prints it once.
    public var adminToken: String?
    /// Reload a plugin whenever its file in the plugin directory changes.
    public var watch = false
    /// The connector whose OpsHub SDK routes are also served at
    /// `/sdk-api/api/1.0`: an OpsHub system is given one base URL per
    /// connector, and a deployment serving one connector per base URL has no
    /// connector name to put in its paths. Nil: that base answers 404.
    public var sdkDefaultConnector: String?
    /// The key file of saved connections' sealed settings (created with mode
    /// 0600 at first start); nil for `connection-key` beside the registry file.
    public var connectionKeyPath: String?
    /// The largest request body accepted, in bytes (uploads included).
    public var maxBodySize: Int = 64 << 20

    /// A server configuration with the defaults, around the host's configuration.
    public init(host: HostConfiguration) {
        self.host = host
    }

    /// The connection key file: as configured, or `connection-key` beside the registry.
    var resolvedConnectionKeyPath: String {
        connectionKeyPath
            ?? URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("connection-key").path
    }

    /// The plugin store: as configured, or `plugin-store` beside the registry.
    var resolvedPluginStore: URL {
        if let pluginStore { return URL(fileURLWithPath: pluginStore) }
        return URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("plugin-store")
    }
}
