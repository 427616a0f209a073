import Logging

extension ConnectorHost {
    /// Reads one plugin file's description without starting it.
    ///
    /// - Parameters:
    ///   - path: A `.so` file.
    ///   - logger: Where the plugin's log lines go while it is read.
    /// - Returns: The validated description.
    /// - Throws: Why the file is not a usable plugin.
    public static func inspect(pluginAt path: String, logger: Logger) async throws(ConnectorHostError)
        -> PluginDescription
    {
        try await InProcessScanner(logger: logger).scan(path)
    }

    /// Scans a plugin directory without starting any plugin.
    ///
    /// - Parameters:
    ///   - directory: The plugin directory.
    ///   - logger: Where the plugins' log lines go while they are read.
    /// - Returns: Accepted plugins and rejected files with their reasons.
    /// - Throws: `not_found` when the directory cannot be read.
    public static func discover(directory: String, logger: Logger) async throws(ConnectorHostError)
        -> DiscoveryReport
    {
        try await PluginDiscovery.scan(directory: directory, with: InProcessScanner(logger: logger))
    }
}
