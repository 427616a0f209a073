import ConnectorHost
import ConnectorHostRegistry
import OpenAPIKit30

/// One operation of the REST API as the OpenAPI document describes it: its
/// method and path template, its parameters, body and every answer it gives.
/// Each API family lists its endpoints in its own file; ``OpenAPIDocument``
/// assembles them.
struct APIEndpoint {
    let method: OpenAPI.BuiltinHttpMethod
    /// The path template, e.g. `/plugins/{name}`.
    let path: String
    let operation: OpenAPI.Operation

    /// Who may call an endpoint.
    enum Access {
        /// No token (`/healthz`).
        case anyone
        /// Any valid token; what it sees is scoped to its org.
        case token
        /// The admin token only: the operation names the `adminAuthToken` or
        /// `adminBearer` scheme and carries `x-admin-only: true`.
        case admin
    }

    /// The error shape of an API family (DESIGN.md, "Error model").
    enum ErrorShape {
        /// `{"error": {"code", "message"}}`.
        case host
        /// OpsHub: `{"errors": {"code", "message", "detail"}}`.
        case sdk
        /// Jitterbit: `{"status": false, "operation", "error": {"code", "message"}}`.
        case registration
        /// Obsrv: the envelope with `params.status` FAILED, `params.err` and `params.errmsg`.
        case catalogue

        var schemaName: String {
            switch self {
            case .host: "HostError"
            case .sdk: "SDKError"
            case .registration: "RegistrationFailure"
            case .catalogue: "CatalogueFailure"
            }
        }
    }

    /// A success answer: its status, what it carries and the media type.
    struct Success {
        var status: Int = 200
        var description: String
        var schema: JSONSchema
        var contentType: OpenAPI.ContentType = .json
    }

    /// - Parameters:
    ///   - errors: The error statuses the route itself answers, in `shape`.
    ///     A refused token (a missing, unknown or revoked one) is added for
    ///     every endpoint that needs one — 401, and on the SDK routes 400
    ///     (``APIFamily/tokenRefused(_:)``) — and 503 (the registry cannot be
    ///     read) for every one that reads it; the authentication in front of
    ///     every route answers them in the family's shape too.
    init(
        _ method: OpenAPI.BuiltinHttpMethod, _ path: String, id: String, tag: String, summary: String,
        description: String? = nil, access: Access = .token, parameters: [OpenAPI.Parameter] = [],
        body: OpenAPI.Request? = nil, success: Success, errors: [Int] = [], shape: ErrorShape = .host
    ) {
        self.method = method
        self.path = path
        var statuses = Set(errors)
        if access != .anyone { statuses.formUnion([401, 503]) }
        if access != .anyone, shape == .sdk { statuses.insert(400) }
        if body != nil { statuses.formUnion([400, 413]) }
        var responses: OpenAPI.Response.Map = [
            .status(code: success.status): .b(OpenAPI.Response(
                description: success.description,
                content: [success.contentType: .init(schema: success.schema)]
            )),
        ]
        for status in statuses.sorted() {
            responses[.status(code: status)] = .b(Self.errorResponse(status, shape: shape))
        }
        var extensions: [String: AnyCodable] = [:]
        let security: [OpenAPI.SecurityRequirement]?
        switch access {
        case .anyone: security = []
        case .token where shape == .sdk:
            // OpsHub sends every pair session initialisation answered back as a
            // header, `Authorization` included when a plugin answers one (the
            // OpsHub documents' own example): there the token is authToken's.
            security = [[.component(named: "authToken"): []]]
        case .token: security = nil
        case .admin:
            security = [[.component(named: "adminAuthToken"): []], [.component(named: "adminBearer"): []]]
            extensions["x-admin-only"] = true
        }
        operation = OpenAPI.Operation(
            tags: [tag], summary: summary, description: description, operationId: id,
            parameters: parameters.map { .b($0) }, requestBody: body, responses: responses, security: security,
            vendorExtensions: extensions
        )
    }

    /// An error answer in the family's shape; 413, which the body limit in
    /// front of every route answers before the path's family is known, in the
    /// host's shape too.
    static func errorResponse(_ status: Int, shape: ErrorShape) -> OpenAPI.Response {
        let own = JSONSchema.reference(.component(named: shape.schemaName))
        let host = JSONSchema.reference(.component(named: ErrorShape.host.schemaName))
        let schema: JSONSchema = shape == .host || status != 413 ? own : .any(of: [own, host])
        var headers: OpenAPI.Header.Map?
        if status == 429 || status == 503 {
            headers = ["Retry-After": .a(.component(named: "Retry-After"))]
        }
        return OpenAPI.Response(
            description: (shape == .sdk && status == 400 ? sdkTokenRefused : statusDescriptions[status])
                ?? "Refused; the body says why",
            headers: headers, content: [.json: .init(schema: schema)]
        )
    }

    /// 400 on the SDK routes, where it also answers a refused token.
    static let sdkTokenRefused = """
        invalid_request: a malformed or missing parameter, header or body field; or unauthorized: no token, an \
        unknown or revoked one (not 401, which makes an OpsHub client initialise a new session, nor 403, which \
        makes it wait and try again)
        """

    static let statusDescriptions: [Int: String] = [
        400: "invalid_request: a malformed or missing parameter, header or body field",
        401: "unauthorized: no token, an unknown or revoked one, one of another org, or not the admin's; on connector calls, only a session that is not valid (initialise a new one)",
        404: "not_found: no such org, registration, catalogue entry, connector or entity, or none the caller may see",
        405: "The path does not take this method; Allow lists those it takes",
        409: "conflict: it exists already, or is in use",
        413: "The declared body is larger than the server accepts",
        422: "abi_mismatch or manifest_invalid: the plugin file cannot be served",
        429: "rate_limited, circuit_open or bulkhead_full: refused before reaching the plugin; Retry-After says when to try again",
        502: "plugin_error or plugin_crashed: the plugin failed the call",
        503: "unavailable: the connector is paused or stopped, or the registry cannot be used",
        504: "timeout: the plugin did not answer in time",
    ]
}

extension APIEndpoint.Success {
    static func json(_ description: String, _ schema: JSONSchema, status: Int = 200) -> Self {
        .init(status: status, description: description, schema: schema)
    }
}
