import Foundation
import ConnectorHost

/// How `connector-host serve` (or an embedding service) runs the REST server.
public struct ServerConfiguration: Sendable {
    /// The host: plugin directory, trust, policies, sandbox.
    public var host: HostConfiguration
    /// The registry: a SQLite file (":memory:" for one in memory), or a
    /// `postgres://user:password@host:port/database` URL that several hosts
    /// share (fleet mode).
    public var database: String = "data/connector-host.sqlite"
    /// This host's name in a fleet: in its change notifications and in
    /// `GET /plugins`. By default the machine's name and a random suffix.
    public var hostID: String = "\(ProcessInfo.processInfo.hostName)-\(Hex.text((0..<4).map { _ in UInt8.random(in: 0...255) }))"
    /// Where uploaded plugin files are kept, by content; nil for `plugin-store`
    /// beside the registry file (in fleet mode, under `data/`).
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
    /// 0600 at first start); nil for `connection-key` beside the registry file
    /// (in fleet mode, under `data/`: every host of a fleet needs the same key).
    public var connectionKeyPath: String?
    /// The largest request body accepted, in bytes (uploads included).
    public var maxBodySize: Int = 64 << 20

    /// A server configuration with the defaults, around the host's configuration.
    public init(host: HostConfiguration) {
        self.host = host
    }

    /// Whether ``database`` names a PostgreSQL server rather than a SQLite file.
    var isFleet: Bool {
        database.hasPrefix("postgres://") || database.hasPrefix("postgresql://")
    }

    /// Where this host keeps its own files by default: beside the SQLite file,
    /// or `data/` in fleet mode.
    private var localDirectory: URL {
        isFleet ? URL(fileURLWithPath: "data") : URL(fileURLWithPath: database).deletingLastPathComponent()
    }

    /// The connection key file: as configured, or `connection-key` in ``localDirectory``.
    var resolvedConnectionKeyPath: String {
        connectionKeyPath ?? localDirectory.appendingPathComponent("connection-key").path
    }

    /// The plugin store: as configured, or `plugin-store` in ``localDirectory``.
    var resolvedPluginStore: URL {
        if let pluginStore { return URL(fileURLWithPath: pluginStore) }
        return localDirectory.appendingPathComponent("plugin-store")
    }
}
