/// How a ``ConnectorHost`` is set up.
public struct HostConfiguration: Sendable {
    /// The directory whose `*.so` files are the plugins.
    public var pluginDirectory: String
    /// The time limit of a call when the plugin's policy sets none.
    public var defaultTimeLimit: Duration

    /// - Parameters:
    ///   - pluginDirectory: The directory whose `*.so` files are the plugins.
    ///   - defaultTimeLimit: The time limit of a call (30 s by default).
    public init(pluginDirectory: String, defaultTimeLimit: Duration = .seconds(30)) {
        self.pluginDirectory = pluginDirectory
        self.defaultTimeLimit = defaultTimeLimit
    }
}
