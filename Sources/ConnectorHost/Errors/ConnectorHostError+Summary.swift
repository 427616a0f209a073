extension ConnectorHostError {
    /// An error as JSON shows it everywhere — REST bodies, `--json` output, the
    /// registry's scan cache: `{"code", "message"}`.
    public struct Summary: Sendable, Hashable, Codable {
        public var code: String
        public var message: String

        public init(_ error: ConnectorHostError) {
            code = error.code.description
            message = error.message
        }

        /// The error again; nil when the code is not one this host knows.
        public var error: ConnectorHostError? {
            Code(name: code).map { ConnectorHostError($0, message) }
        }
    }
}
