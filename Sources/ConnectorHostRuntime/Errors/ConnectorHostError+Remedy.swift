extension ConnectorHostError {
    /// An operator action that clears an error. The library names the action
    /// and leaves the words to each surface: the REST server answers with the
    /// request that takes it, the CLI and ``ConnectorHostError/description``
    /// say it in words.
    public enum Remedy: Sendable, Hashable, CustomStringConvertible {
        /// Restart the named plugin (it is quarantined), or replace its file.
        case restartPlugin(String)
        /// Issue another admin token: the last one cannot be revoked.
        case issueAdminToken

        /// The action in words, naming no interface.
        public var description: String {
            switch self {
            case .restartPlugin: "restart it or replace its file"
            case .issueAdminToken: "issue another admin token before revoking it"
            }
        }
    }
}
