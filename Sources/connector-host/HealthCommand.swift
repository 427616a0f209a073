import ArgumentParser
import ConnectorHost

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Start every plugin of a directory and show its runtime and state.",
        discussion: """
            Each plugin is started as a server would start it (a sandbox worker unless trusted) and reported: \
            runtime, health (healthy, degraded, restarting, quarantined, starting, stopped), circuit breaker \
            state, worker process ID, restarts and last crash. With --json: {"plugins": [...], "rejected": [...]}.
            """
    )

    @OptionGroup var directory: PluginDirectoryOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var sandbox: SandboxOptions

    @OptionGroup var signing: SigningOptions

    @OptionGroup var common: CommonOptions

    struct Output: Encodable {
        var plugins: [PluginStatus]
        var rejected: [ListCommand.Output.Rejected]
    }

    func run() async throws {
        try await reportingFailure { () throws(ConnectorHostError) in
            var configuration = HostConfiguration(pluginDirectory: directory.directory)
            configuration.sandbox = sandbox.applied(to: configuration.sandbox)
            configuration.pluginSandbox = sandbox.pluginSandboxes(base: configuration.sandbox)
            signing.apply(to: &configuration)
            let host = try await ConnectorHost.start(configuration: configuration, logger: common.makeLogger())
            let statuses = host.statuses
            let rejected = host.discovery.rejected.map {
                ListCommand.Output.Rejected(path: $0.path, error: ConnectorHostError.Summary($0.error))
            }
            await host.shutdown()
            if json {
                try JSONOutput.print(Output(plugins: statuses, rejected: rejected))
            } else {
                print(PluginText.health(statuses, rejected: host.discovery.rejected))
            }
        }
    }
}
