import ArgumentParser
import ConnectorHost

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a plugin's manifest, ABI version, capabilities and functions.",
        discussion: """
            Reads the descriptor of one .so file and validates it as the host would at load time. \
            The registration secret is never shown. With --json the object has the keys name, version, key, \
            abiVersion, endpointEntityId, functionEntityStartId, functionEntityEndId, capabilities and functions.
            """
    )

    @Argument(help: ArgumentHelp("The plugin file.", valueName: "plugin.so"))
    var plugin: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var scanCache: ScanCacheOptions

    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await reportingFailure { () throws(ConnectorHostError) in
            let description = try await ConnectorHost.inspect(
                pluginAt: plugin, cache: scanCache.scanCache, logger: common.makeLogger()
            )
            let summary = PluginSummary(description)
            if json {
                try JSONOutput.print(summary)
            } else {
                print(PluginText.details(summary))
            }
        }
    }
}
