import ArgumentParser
import ConnectorHost
import ConnectorHostServer
import Foundation

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the REST API: registration, catalogue, control plane and connector calls.",
        discussion: """
            Plugins come from --plugins and from uploads (kept in --plugin-store). Outside --dev a plugin is \
            served only if its manifest key and secret validate against a registration, and takes calls only \
            once Live in the catalogue. Every endpoint but /healthz needs a token (authToken header or \
            Authorization: Bearer); the admin token comes from $CONNECTOR_HOST_ADMIN_TOKEN, or is generated at \
            the first start and printed once. SIGINT or SIGTERM shut down gracefully: running calls finish, \
            sessions close, workers stop. The API is described at GET /openapi.json.
            """
    )

    @OptionGroup var directory: PluginDirectoryOptions

    @Option(help: ArgumentHelp(
        "The registry: a SQLite file, or postgres://user:password@host:port/database for a fleet of hosts sharing one registry (fleet mode).",
        valueName: "path-or-url"
    ))
    var db = "data/connector-host.sqlite"

    @Option(help: ArgumentHelp(
        "This host's name in a fleet, shown by GET /plugins (default: the machine's name and a random suffix).",
        valueName: "name"
    ))
    var hostId: String?

    @Option(help: ArgumentHelp("Where uploaded plugin files are kept (default: plugin-store beside --db; data/plugin-store in fleet mode).", valueName: "dir"))
    var pluginStore: String?

    @Option(help: ArgumentHelp(
        "The key of saved connections' sealed settings, created with mode 0600 at first start (default: connection-key beside --db; data/connection-key in fleet mode, which every host of the fleet needs the same copy of).",
        valueName: "path"
    ))
    var connectionKey: String?

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port).")
    var port = 8080

    @Flag(help: "Development mode: every loaded plugin takes calls; unregistered plugins load with a warning.")
    var dev = false

    @Flag(help: "Reload a plugin the moment its file in --plugins is rebuilt, without dropping a call.")
    var watch = false

    @Option(help: ArgumentHelp(
        "On SIGTERM or SIGINT: how long running calls may take to finish; they are told to cancel at once, and those still running then fail.",
        valueName: "seconds"
    ))
    var shutdownDeadline: Double = 10

    @Option(help: ArgumentHelp(
        "Also serve this connector's OpsHub SDK routes at /sdk-api/api/1.0, the base URL an OpsHub system is given when one connector is served per base URL.",
        valueName: "name"
    ))
    var sdkDefaultConnector: String?

    @Option(name: .customLong("trust"), help: ArgumentHelp("Run this plugin in process, not in a sandbox worker.", valueName: "name"))
    var trusted: [String] = []

    @Option(help: ArgumentHelp(
        "Stop a plugin's sandbox worker after this long without a call; its next call starts a new one (0: never).",
        valueName: "seconds"
    ))
    var idleTimeout: Double = 300

    @Option(name: .customLong("warm"), help: ArgumentHelp(
        "Start this plugin's sandbox worker with the server, and never stop it for want of calls (repeatable).",
        valueName: "name"
    ))
    var warm: [String] = []

    @Option(help: ArgumentHelp(
        "A YAML file of resilience and worker settings for every plugin and for each plugin by name, over the plugins' own and over these options (README: \"The configuration file\").",
        valueName: "file"
    ))
    var config: String?

    @OptionGroup var sandbox: SandboxOptions

    @OptionGroup var signing: SigningOptions

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard shutdownDeadline >= 0, shutdownDeadline <= 3600 else {
            throw ValidationError("--shutdown-deadline must be 0 to 3600 seconds")
        }
        guard idleTimeout >= 0, idleTimeout <= 86400 else {
            throw ValidationError("--idle-timeout must be 0 (never) to 86400 seconds")
        }

    }

    func run() async throws {
        // A server's operator reads the access log and lifecycle lines: info unless told otherwise.
        let logger = common.makeLogger(defaultLevel: .info)
        var hostConfiguration = HostConfiguration(pluginDirectory: directory.directory)
        hostConfiguration.trustedPlugins = Set(trusted)
        hostConfiguration.shutdownDeadline = .milliseconds(Int64(shutdownDeadline * 1000))
        hostConfiguration.sandbox = sandbox.applied(to: hostConfiguration.sandbox)
        // The server's threads are its own to spend on a caller's wait (the configuration file may say otherwise).
        hostConfiguration.sandbox.loneCallSpin = SandboxSettings.recommendedLoneCallSpin
        hostConfiguration.sandbox.idleTimeout = idleTimeout == 0 ? nil : .milliseconds(Int64(idleTimeout * 1000))
        hostConfiguration.warmPlugins = Set(warm)
        hostConfiguration.pluginSandbox = sandbox.pluginSandboxes(base: hostConfiguration.sandbox)
        signing.apply(to: &hostConfiguration)
        if let config {
            let policy = try await reportingFailure { () async throws(ConnectorHostError) in try PolicyFile(contentsOf: config) }
            hostConfiguration = policy.applied(to: hostConfiguration)
        }
        // A server holds the admin token and the registry: no process of its
        // user may read its memory.
        do {
            try ProcessHardening.makeNonDumpable()
        } catch {
            logger.warning("cannot mark the server non-dumpable", metadata: ["error": "\(error)"])
        }
        var configuration = ServerConfiguration(host: hostConfiguration)
        configuration.database = db
        if let hostId { configuration.hostID = hostId }
        configuration.pluginStore = pluginStore
        configuration.connectionKeyPath = connectionKey
        configuration.address = host
        configuration.port = port
        configuration.development = dev
        configuration.watch = watch
        configuration.sdkDefaultConnector = sdkDefaultConnector
        configuration.adminToken = ProcessInfo.processInfo.environment["CONNECTOR_HOST_ADMIN_TOKEN"]
        let server = try await reportingFailure { () async throws(ConnectorHostError) in
            try await ConnectorServer.make(configuration: configuration, logger: logger)
        }
        if let token = server.generatedAdminToken {
            printNow("admin token (shown once; keep it): \(token)")
        }
        for rejected in server.host.discovery.rejected {
            printNow("rejected \(rejected.path): \(rejected.error.code): \(rejected.error.message)")
        }
        let address = host
        let names = server.host.connectorNames
        try await server.run { port in
            printNow("serving \(names.isEmpty ? "no plugin" : names.joined(separator: ", ")) on http://\(address):\(port)\(dev ? " (--dev)" : "")")
        }
    }
}

/// Writes a line to stdout at once: a process reading our output through a pipe
/// sees it without waiting for a buffer to fill.
private func printNow(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
