import ConnectorHost
import HTTPTypes

extension ConnectorHostError.Code {
    /// The HTTP status the REST API answers with for this code. A code added
    /// to the taxonomy later answers 500 until it is given its own here.
    public var httpStatus: HTTPResponse.Status {
        switch self {
        case .invalidRequest: .badRequest
        case .notFound: .notFound
        case .unauthorized: .unauthorized
        case .conflict: .conflict
        case .abiMismatch, .manifestInvalid: .unprocessableContent
        case .pluginError, .pluginCrashed: .badGateway
        case .timeout: .gatewayTimeout
        case .circuitOpen, .rateLimited, .bulkheadFull: .tooManyRequests
        case .unavailable: .serviceUnavailable
        default: .internalServerError
        }
    }
}

extension ConnectorHostError {
    /// The message as every REST body writes it: with the remedy as the
    /// request that takes it.
    var restMessage: String {
        remedy.map { "\(message); \($0.restHint)" } ?? message
    }
}

extension ConnectorHostError.Summary {
    /// The summary of `error` as a REST body writes it.
    init(restOf error: ConnectorHostError) {
        self.init(error)
        message = error.restMessage
    }
}

extension ConnectorHostError.Remedy {
    /// The action as the request of this API that takes it.
    var restHint: String {
        switch self {
        case .restartPlugin(let name): "restart it (POST /plugins/\(name)/restart) or replace its file"
        case .issueAdminToken: "issue another (POST /admin/tokens) before revoking it"
        }
    }
}
