import Logging

/// Reads a plugin file's description. Discovery, `inspect` and `list` go
/// through a scanner, so that where plugin code runs while scanning is decided
/// in one place.
package protocol PluginScanner: Sendable {
    /// - Parameter path: A `.so` file.
    /// - Returns: The plugin's validated description.
    /// - Throws: Why the file is not a usable plugin.
    func scan(_ path: String) async throws(ConnectorHostError) -> PluginDescription
}

/// Scans by loading the image into this process. Only for trusted files: a
/// plugin that crashes in a constructor or its entry point takes the process
/// down with it.
package struct InProcessScanner: PluginScanner {
    package let logger: Logger

    package init(logger: Logger) { self.logger = logger }

    package func scan(_ path: String) async throws(ConnectorHostError) -> PluginDescription {
        try PluginImage.load(path, logger: logger).description
    }
}
