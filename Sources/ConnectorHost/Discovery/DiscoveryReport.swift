/// What a scan of a plugin directory found.
public struct DiscoveryReport: Sendable {
    /// Plugins that passed every check, in path order.
    public var plugins: [DiscoveredPlugin]
    /// Files that look like plugins (`*.so`) but cannot be used, with the reason.
    public var rejected: [RejectedPlugin]

    /// The loaded plugin with this connector name.
    public func plugin(named name: String) -> DiscoveredPlugin? {
        plugins.first { $0.description.manifest.name == name }
    }
}

/// A plugin file that passed every check.
public struct DiscoveredPlugin: Sendable {
    /// The plugin file's path.
    public var path: String
    /// What the plugin's validated descriptor says.
    public var description: PluginDescription
    /// Conflicts this plugin won: later files rejected because of it.
    public var warnings: [String]
}

/// A plugin file that cannot be used.
public struct RejectedPlugin: Sendable {
    /// The plugin file's path.
    public var path: String
    /// Why it cannot be used: the failed check, or the conflict that lost it its place.
    public var error: ConnectorHostError
}
