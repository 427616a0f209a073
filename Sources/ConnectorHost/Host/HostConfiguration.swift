import CoreMetrics
import Foundation

/// How a ``ConnectorHost`` is set up. Every field has a default that a
/// production host can keep.
public struct HostConfiguration: Sendable {
    /// The directory whose `*.so` files are the plugins.
    public var pluginDirectory: String
    /// Plugins (by name) trusted to run inside this process instead of a sandbox
    /// worker: faster, same policy, but a crash takes the host down.
    public var trustedPlugins: Set<String> = []
    /// Plugins (by name) whose sandbox worker starts with the host, in the
    /// background, and runs until shutdown. Every other plugin's worker starts
    /// on its first call and stops after ``SandboxSettings/idleTimeout``.
    public var warmPlugins: Set<String> = []
    /// Resilience settings for every plugin, over the plugins' own suggestions.
    public var resilience = ResilienceOverrides()
    /// Resilience settings for one plugin (by name), over everything else.
    public var pluginResilience: [String: ResilienceOverrides] = [:]
    /// How sandbox workers are run, and how files are scanned.
    public var sandbox = SandboxSettings()
    /// How one plugin's (by name) worker is run, instead of ``sandbox``: the
    /// operator's way to give it a data directory, environment variables,
    /// `execve`, other resource limits, or the hosts it may reach
    /// (``SandboxSettings/allowedHosts``). Start from a copy of ``sandbox``.
    public var pluginSandbox: [String: SandboxSettings] = [:]
    /// The time source of every rule; tests pass a ``ManualClock``.
    public var clock: any HostClock = SystemClock()
    /// Where plugin metrics go. nil: the process-wide swift-metrics factory
    /// as it is when the host starts (so a configuration made before
    /// `MetricsSystem.bootstrap` still reports to the bootstrapped backend).
    public var metricsFactory: (any MetricsFactory)?
    /// Remembers scan outcomes of unchanged files.
    public var scanCache: any ScanCache = InMemoryScanCache()
    /// Decides whether a plugin that passed every ABI check may be served (a
    /// server checks its registration here). It returns warnings to log, or
    /// throws why the plugin is rejected. By default every plugin is admitted.
    public var admission: Admission = { _, _ in [] }

    /// Publishers' Ed25519 public keys (base64, see ``PluginSignature``), by
    /// plugin name: a plugin with a key is served only with a valid signature
    /// by it next to its file (`FILE.sig`), checked after scanning and before
    /// ``admission``.
    public var signingKeys: [String: String] = [:]
    /// Serve only signed plugins: every plugin must have a key in ``signingKeys``.
    public var requireSignatures = false

    /// Admits a plugin: warnings to log, or why it is rejected.
    public typealias Admission = @Sendable (_ path: String, _ description: PluginDescription)
        async throws(ConnectorHostError) -> [String]

    /// Where each build a sandboxed plugin runs is copied, under its SHA-256
    /// (and, from the scan to the first worker's start, hard-linked). nil: a
    /// directory of the host's own under the temporary directory. The host
    /// removes the copies and links it made when it shuts down (and its own
    /// directory). On the plugin directory's filesystem, a start links rather
    /// than copies.
    public var buildsDirectory: String?
    /// How long a replaced build may take to finish its running calls.
    public var drainDeadline: Duration = .seconds(30)
    /// How long running calls may take to finish once shutdown begins; those
    /// still running then fail with `unavailable`.
    public var shutdownDeadline: Duration = .seconds(10)
    /// Whether the host, run as a service (``ConnectorHost/run()``), reloads
    /// plugins as their files change (``ConnectorHost/watch(quietPeriod:)``).
    public var watchesPluginDirectory = false
    /// The session configuration a new build is checked with before it serves.
    public var reloadCheckCredentials: [SessionSetting] = []

    /// Told when crashes quarantine a plugin: its name, the SHA-256 of the
    /// build, and why. A server keeps it, so that a restart does not lift it.
    public var onQuarantine: @Sendable (_ plugin: String, _ sha256: String?, _ reason: String) -> Void = { _, _, _ in }

    /// A configuration with the defaults, serving the plugins of `pluginDirectory`.
    public init(pluginDirectory: String) {
        self.pluginDirectory = pluginDirectory
    }

    /// The sandbox settings of one plugin.
    func sandbox(for name: String) -> SandboxSettings {
        var settings = pluginSandbox[name] ?? sandbox
        if warmPlugins.contains(name) { settings.idleTimeout = nil }
        return settings
    }

    /// The policy of one plugin: defaults, its suggestions, host settings, its host settings.
    func policy(for description: PluginDescription) -> ResiliencePolicy {
        ResiliencePolicy(layers: [
            description.resilience, resilience, pluginResilience[description.manifest.name] ?? ResilienceOverrides(),
        ])
    }
}
