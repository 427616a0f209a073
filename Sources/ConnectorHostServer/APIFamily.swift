import ConnectorHost
import ConnectorHostRegistry
import HTTPTypes

/// The API family a path belongs to. A client written against one of the
/// APIs the server is compatible with reads every answer under that API's
/// prefix in that API's error shape — also when no route ran: a refused
/// token, an unknown path, a method the path does not take.
enum APIFamily: Equatable {
    /// OpsHub SDK: `/connectors/…` and `/sdk-api/…`.
    case sdk
    /// Jitterbit: `/orgs/…`, answered with the operation the path names.
    case registration(operation: String)
    /// Obsrv: `/v2/…`, answered with the API's name and its error code.
    case catalogue(api: String, code: String)
    /// Everything else: `{"error": {code, message}}`.
    case host

    init(method: HTTPRequest.Method, path: String) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch segments.first {
        case "connectors", "sdk-api":
            self = .sdk
        case "orgs":
            self = .registration(operation: RegistrationRoutes.operation(method: method, path: segments))
        case "v2":
            let (api, code) = CatalogueRoutes.api(of: Array(segments.dropFirst()))
            self = .catalogue(api: api, code: code)
        default:
            self = .host
        }
    }

    /// A failure in the family's shape; `status` overrides the one of the
    /// error's code.
    func error(_ error: ConnectorHostError, status: HTTPResponse.Status? = nil) -> APIError {
        var answer: APIError =
            switch self {
            case .sdk: SDKRoutes.sdkError(error)
            case .registration(let operation): RegistrationRoutes.failure(operation, error)
            case .catalogue(let api, let code): CatalogueFailure.error(api: api, code: code, error)
            case .host: APIError.plain(error)
            }
        if let status { answer.status = status }
        return answer
    }

    /// A refused token. On the SDK routes neither of the statuses OpsHub
    /// gives a meaning to will do: it reads 401 as "the session is no longer
    /// valid" and opens a new session, and 403 as "rate limited" and waits to
    /// try again — with the same token, forever, either way. 400 has no such
    /// meaning to it: the call fails, the client reports the body's
    /// `unauthorized` and stops.
    func tokenRefused(_ error: ConnectorHostError) -> APIError {
        self.error(error, status: self == .sdk ? .badRequest : nil)
    }
}

/// Authentication's refusal, told apart from a plugin's `unauthorized` (a
/// session it no longer accepts), which keeps 401 on every route.
struct TokenRefused: Error {
    let error: ConnectorHostError
}
