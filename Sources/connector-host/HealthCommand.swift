import ArgumentParser
import ConnectorHost

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Start every plugin of a directory and show its runtime and state.",
        discussion: """
            Each plugin is started as a server would start it on its first call (a sandbox worker unless \
            trusted), watched for --observe seconds so that one whose worker keeps crashing shows as restarting \
            or quarantined, and reported: runtime, health (healthy, degraded, restarting, quarantined, starting, \
            idle, stopped), circuit breaker state, worker process ID, restarts, last crash and isolation. With \
            --cold, no worker is started: plugins show as idle, as a server shows those not called yet. With \
            --json: {"plugins": [...], "rejected": [...]}. Exits 1 when a plugin is neither healthy nor idle, or a \
            file was rejected.
            """
    )

    @Option(help: ArgumentHelp(
        "How long to watch the started plugins, to catch a crash loop (seconds; serve quarantines a plugin after 5 crashes).",
        valueName: "seconds"
    ))
    var observe: Double = 3

    func validate() throws {
        guard observe >= 0, observe <= 600 else { throw ValidationError("--observe must be 0 to 600 seconds") }
    }

    @OptionGroup var directory: PluginDirectoryOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Flag(help: "Start no worker: show each plugin as registered, idle until its first call.")
    var cold = false

    @OptionGroup var sandbox: SandboxOptions

    @OptionGroup var signing: SigningOptions

    @OptionGroup var scanCache: ScanCacheOptions

    @OptionGroup var common: CommonOptions

    struct Output: Encodable {
        var plugins: [PluginStatus]
        var rejected: [ListCommand.Output.Rejected]
    }

    func run() async throws {
        let unhealthy = try await reportingFailure { () throws(ConnectorHostError) -> Bool in
            var configuration = HostConfiguration(pluginDirectory: directory.directory)
            configuration.sandbox = sandbox.applied(to: configuration.sandbox)
            configuration.pluginSandbox = sandbox.pluginSandboxes(base: configuration.sandbox)
            signing.apply(to: &configuration)
            configuration.scanCache = scanCache.scanCache
            let host = try await ConnectorHost.start(configuration: configuration, logger: common.makeLogger())
            // Workers start while the host runs; it shuts down once observed.
            let (statuses, rejected) = await host.whileRunning { () async -> ([PluginStatus], [ListCommand.Output.Rejected]) in
                if !cold {
                    // As a first call would; one that cannot start shows why in its status.
                    await withTaskGroup(of: Void.self) { group in
                        for name in host.connectorNames {
                            group.addTask { try? await host.connector(named: name).warmUp() }
                        }
                    }
                }
                // Real time: this is a command run by hand, watching real workers.
                let watchUntil = ContinuousClock.now + .milliseconds(Int64(observe * 1000))
                while ContinuousClock.now < watchUntil, host.statuses.contains(where: { $0.health != .quarantined }) {
                    try? await Task.sleep(for: .milliseconds(100))
                }
                let rejected = host.discovery.rejected.map {
                    ListCommand.Output.Rejected(path: $0.path, error: ConnectorHostError.Summary($0.error))
                }
                return (host.statuses, rejected)
            }
            if json {
                try JSONOutput.print(Output(plugins: statuses, rejected: rejected))
            } else {
                print(PluginText.health(statuses, rejected: host.discovery.rejected))
            }
            return !rejected.isEmpty || statuses.contains { $0.health != .healthy && $0.health != .idle }
        }
        if unhealthy { throw ExitCode(1) }
    }
}
