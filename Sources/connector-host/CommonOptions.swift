import ArgumentParser
import Foundation
import Logging

/// Options every subcommand shares.
struct CommonOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Log level of host and plugin messages on stderr (default: warning; for call and conformance, error, since they report a failed call themselves).",
        valueName: "level"
    ))
    var logLevel: LogLevel?

    enum LogLevel: String, ExpressibleByArgument, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    /// A stderr logger at the chosen level, else at `defaultLevel`.
    func makeLogger(defaultLevel: Logger.Level = .warning) -> Logger {
        var logger = Logger(label: "connector-host") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = logLevel.flatMap { Logger.Level(rawValue: $0.rawValue) } ?? defaultLevel
        return logger
    }
}

/// The plugin directory option of the commands that scan one.
struct PluginDirectoryOptions: ParsableArguments {
    @Option(
        name: .customLong("plugins"),
        help: ArgumentHelp(
            "The directory whose *.so files are the plugins (default: $CONNECTOR_HOST_PLUGINS, else ./plugins).",
            valueName: "dir"
        )
    )
    var directory: String = ProcessInfo.processInfo.environment["CONNECTOR_HOST_PLUGINS"] ?? "plugins"
}
