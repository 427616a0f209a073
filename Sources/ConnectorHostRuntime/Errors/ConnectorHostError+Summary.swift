extension ConnectorHostError {
    /// An error as JSON shows it everywhere — REST bodies, `--json` output, the
    /// registry's scan cache: `{"code", "message"}`.
    public struct Summary: Sendable, Hashable, Codable {
        /// The error code's wire name, e.g. `not_found`.
        public var code: String
        /// The error's message, and its remedy in words.
        public var message: String

        /// The summary of `error`.
        public init(_ error: ConnectorHostError) {
            code = error.code.description
            message = error.explanation
        }

        /// The error again; nil when the code is not one this host knows.
        public var error: ConnectorHostError? {
            Code(name: code).map { ConnectorHostError($0, message) }
        }
    }
}
