import ConnectorHostABI

/// What a plugin answered to one standard operation, before the host decides
/// whether to retry it or how to report it.
public struct PluginReply: Sendable, Hashable {
    /// The plugin's status code (`ch_status`).
    public var status: Status
    /// The JSON body: the result on success, optional detail on an error.
    public var body: [UInt8]
    /// The plugin's message on an error.
    public var message: String?
    /// With ``Status/rateLimited``: how long the end system asks callers to wait.
    public var retryAfter: Duration?

    /// A reply with the given status, body, message and wait.
    public init(status: Status, body: [UInt8], message: String? = nil, retryAfter: Duration? = nil) {
        self.status = status
        self.body = body
        self.message = message
        self.retryAfter = retryAfter
    }

    /// A plugin status code (`CH_STATUS_*`).
    public enum Status: Sendable, Hashable {
        /// `CH_STATUS_OK`: the call succeeded; the body holds the result.
        case ok
        /// `CH_STATUS_INVALID_REQUEST`: the request is malformed or the end system rejects a field or value; never retried.
        case invalidRequest
        /// `CH_STATUS_NOT_FOUND`: the object does not exist; never retried.
        case notFound
        /// `CH_STATUS_UNAUTHORIZED`: the session is no longer valid; the host opens a new one and repeats the call once.
        case unauthorized
        /// `CH_STATUS_RATE_LIMITED`: the end system asks callers to slow down, for ``PluginReply/retryAfter``.
        case rateLimited
        /// `CH_STATUS_TRANSIENT`: a failure that may pass; retried under the plugin's policy.
        case transient
        /// `CH_STATUS_PERMANENT`: a failure that retrying will not cure.
        case permanent
        /// A value the ABI does not define, kept for the message.
        case unknown(Int32)

        init(abiValue: ch_status) {
            switch Int(abiValue) {
            case CH_STATUS_OK: self = .ok
            case CH_STATUS_INVALID_REQUEST: self = .invalidRequest
            case CH_STATUS_NOT_FOUND: self = .notFound
            case CH_STATUS_UNAUTHORIZED: self = .unauthorized
            case CH_STATUS_RATE_LIMITED: self = .rateLimited
            case CH_STATUS_TRANSIENT: self = .transient
            case CH_STATUS_PERMANENT: self = .permanent
            default: self = .unknown(abiValue)
            }
        }

        /// The code of the host's taxonomy this status maps to; nil for `ok`.
        public var errorCode: ConnectorHostError.Code? {
            switch self {
            case .ok: nil
            case .invalidRequest: .invalidRequest
            case .notFound: .notFound
            case .unauthorized: .unauthorized
            case .rateLimited: .rateLimited
            case .transient, .permanent, .unknown: .pluginError
            }
        }

        /// The `ch_status` value.
        var abiValue: Int32 {
            switch self {
            case .ok: Int32(CH_STATUS_OK)
            case .invalidRequest: Int32(CH_STATUS_INVALID_REQUEST)
            case .notFound: Int32(CH_STATUS_NOT_FOUND)
            case .unauthorized: Int32(CH_STATUS_UNAUTHORIZED)
            case .rateLimited: Int32(CH_STATUS_RATE_LIMITED)
            case .transient: Int32(CH_STATUS_TRANSIENT)
            case .permanent: Int32(CH_STATUS_PERMANENT)
            case .unknown(let value): value
            }
        }
    }

    /// The body on success.
    ///
    /// - Parameters:
    ///   - plugin: The plugin's name, for the message.
    ///   - operation: The operation's name, for the message.
    /// - Throws: The error the status maps to in the host's taxonomy, carrying
    ///   the plugin's message and detail.
    public func successBody(plugin: String, operation: String) throws(ConnectorHostError) -> [UInt8] {
        let (code, text): (ConnectorHostError.Code, String)
        switch status {
        case .ok:
            return body
        case .invalidRequest:
            (code, text) = (.invalidRequest, "\(plugin) rejected \(operation) as invalid")
        case .notFound:
            (code, text) = (.notFound, "\(plugin) \(operation): not found")
        case .unauthorized where operation == StandardOperation.sessionOpen.rawValue:
            // No session existed yet: it is the credentials that were refused.
            (code, text) = (.unauthorized, "\(plugin) \(operation): the end system refused the credentials")
        case .unauthorized:
            (code, text) = (.unauthorized, "\(plugin) \(operation): the session is not valid")
        case .rateLimited:
            (code, text) = (.rateLimited, "\(plugin) \(operation): the end system asks to slow down")
        case .transient:
            (code, text) = (.pluginError, "\(plugin) \(operation) failed (transient)")
        case .permanent:
            (code, text) = (.pluginError, "\(plugin) \(operation) failed")
        case .unknown(let value):
            (code, text) = (.pluginError, "\(plugin) \(operation) returned \(value), which is not a ch_status value")
        }
        throw ConnectorHostError(
            code, text + (message.map { ": \($0)" } ?? ""), detail: body.isEmpty ? nil : String(decoding: body, as: UTF8.self),
            retryAfter: status == .rateLimited || status == .transient ? retryAfter : nil
        )
    }
}
