/// The one error type of ConnectorHost: the library throws it, the CLI turns it
/// into an exit code and a one-line message, the REST server (ConnectorHostServer)
/// into a status and a JSON body.
///
/// The set of codes may grow, so ``Code`` is a struct wrapping a private enum:
/// switch over it with a `default` case.
public struct ConnectorHostError: Error, Sendable, Hashable {
    /// What kind of failure this is.
    public var code: Code
    /// What was wrong and, where there is something to do that needs no
    /// operator action, what to do.
    public var message: String
    /// The operator action that clears the error, when there is one: the
    /// error names the action, each surface says how to take it (the REST
    /// server as its request, ``description`` in words).
    public var remedy: Remedy?
    /// Optional machine-readable detail, such as the JSON detail a plugin sent.
    public var detail: String?
    /// How long the caller should wait before trying again, for rejections
    /// (`rate_limited`, `circuit_open`, `bulkhead_full`) and plugin rate limits.
    public var retryAfter: Duration?
    /// The call failed before its plugin saw it, which its code does not say:
    /// it timed out waiting for its sandbox worker to start. The guard retries
    /// such an attempt whatever the operation, and the breaker does not count
    /// it. Callers see the code, `timeout`: an `unavailable` would be retried
    /// by nobody.
    package var neverReachedPlugin = false

    /// An error of the taxonomy, with its message.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: What was wrong and what to do.
    ///   - detail: Optional machine-readable detail.
    ///   - retryAfter: When a retry may succeed, for rejections.
    ///   - remedy: The operator action that clears the error.
    public init(_ code: Code, _ message: String, detail: String? = nil, retryAfter: Duration? = nil, remedy: Remedy? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
        self.retryAfter = retryAfter
        self.remedy = remedy
    }

    /// The taxonomy shared by library, CLI and REST API.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, CaseIterable {
            case invalidRequest = "invalid_request"
            case notFound = "not_found"
            case unauthorized
            case conflict
            case abiMismatch = "abi_mismatch"
            case manifestInvalid = "manifest_invalid"
            case pluginError = "plugin_error"
            case pluginCrashed = "plugin_crashed"
            case timeout
            case circuitOpen = "circuit_open"
            case rateLimited = "rate_limited"
            case bulkheadFull = "bulkhead_full"
            case unavailable
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The request is malformed or names something that cannot be; never retried.
        public static let invalidRequest = Code(.invalidRequest)
        /// The connector, plugin, entity or other object does not exist.
        public static let notFound = Code(.notFound)
        /// Missing or wrong credentials, or a session the plugin no longer accepts.
        public static let unauthorized = Code(.unauthorized)
        /// The request contradicts the current state (a name or ID range already taken).
        public static let conflict = Code(.conflict)
        /// The file does not speak the plugin ABI this host serves.
        public static let abiMismatch = Code(.abiMismatch)
        /// The plugin's descriptor breaks a rule of the ABI.
        public static let manifestInvalid = Code(.manifestInvalid)
        /// The plugin answered with an error of its own.
        public static let pluginError = Code(.pluginError)
        /// The plugin's process died while serving the call.
        public static let pluginCrashed = Code(.pluginCrashed)
        /// The call did not finish within its time limit.
        public static let timeout = Code(.timeout)
        /// The plugin's circuit breaker is open; the call was not sent.
        public static let circuitOpen = Code(.circuitOpen)
        /// A rate limit (the host's or the end system's) refused the call.
        public static let rateLimited = Code(.rateLimited)
        /// The plugin already runs as many calls as its bulkhead allows.
        public static let bulkheadFull = Code(.bulkheadFull)
        /// The plugin cannot take calls now (quarantined, paused, shutting down).
        public static let unavailable = Code(.unavailable)

        /// Every code, in taxonomy order.
        public static let allCases: [Code] = Kind.allCases.map(Code.init)

        /// The wire name, e.g. `"invalid_request"`.
        public var description: String { kind.rawValue }

        /// The code whose wire name is `name`, if any.
        public init?(name: String) {
            guard let kind = Kind(rawValue: name) else { return nil }
            self.kind = kind
        }

        /// The CLI's exit status for this code (2...14; 1 is left for failures
        /// outside the taxonomy): a fixed table (README), which a code added
        /// later extends without moving any other.
        public var exitCode: Int32 {
            switch kind {
            case .invalidRequest: 2
            case .notFound: 3
            case .unauthorized: 4
            case .conflict: 5
            case .abiMismatch: 6
            case .manifestInvalid: 7
            case .pluginError: 8
            case .pluginCrashed: 9
            case .timeout: 10
            case .circuitOpen: 11
            case .rateLimited: 12
            case .bulkheadFull: 13
            case .unavailable: 14
            }
        }
    }
}

extension ConnectorHostError: CustomStringConvertible {
    /// `code: message`, and the remedy in words: the form the CLI prints.
    public var description: String { "\(code): \(explanation)" }

    /// The message, and the remedy in words when there is one.
    public var explanation: String {
        remedy.map { "\(message); \($0)" } ?? message
    }
}
