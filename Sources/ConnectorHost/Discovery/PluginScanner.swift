/// Reads a plugin file's description. Discovery, `inspect` and `list` go
/// through a scanner, so that where plugin code runs while scanning is decided
/// in one place.
package protocol PluginScanner: Sendable {
    /// - Parameter path: A `.so` file.
    /// - Returns: The plugin's validated description.
    /// - Throws: Why the file is not a usable plugin.
    func scan(_ path: String) async throws(ConnectorHostError) -> PluginDescription
}
