import ArgumentParser
import ConnectorHost

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the plugins of a directory and the files rejected, with their reasons.",
        discussion: """
            Every *.so file of the directory is read; a bad file never hides the others. Of two plugins with \
            the same name or overlapping entity IDs, the one whose path sorts later is rejected. \
            With --json: {"plugins": [...], "rejected": [{"path", "error": {"code", "message"}}]}. \
            Exits 1 when a file was rejected (after listing everything).
            """
    )

    @OptionGroup var directory: PluginDirectoryOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var scanCache: ScanCacheOptions

    @OptionGroup var common: CommonOptions

    struct Output: Encodable {
        struct Plugin: Encodable {
            var path: String
            var warnings: [String]
            var plugin: PluginSummary

            func encode(to encoder: Encoder) throws {
                try plugin.encode(to: encoder)
                var container = encoder.container(keyedBy: Key.self)
                try container.encode(path, forKey: .path)
                try container.encode(warnings, forKey: .warnings)
            }

            enum Key: String, CodingKey { case path, warnings }
        }

        struct Rejected: Encodable {
            var path: String
            var error: ConnectorHostError.Summary
        }

        var plugins: [Plugin]
        var rejected: [Rejected]
    }

    func run() async throws {
        let rejected = try await reportingFailure { () throws(ConnectorHostError) -> Bool in
            let report = try await ConnectorHost.discover(
                directory: directory.directory, cache: scanCache.scanCache, logger: common.makeLogger()
            )
            if json {
                try JSONOutput.print(Output(
                    plugins: report.plugins.map {
                        .init(path: $0.path, warnings: $0.warnings, plugin: PluginSummary($0.description))
                    },
                    rejected: report.rejected.map { .init(path: $0.path, error: ConnectorHostError.Summary($0.error)) }
                ))
            } else {
                print(PluginText.table(report))
            }
            return !report.rejected.isEmpty
        }
        if rejected { throw ExitCode(1) }
    }
}
