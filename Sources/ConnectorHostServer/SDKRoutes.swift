import ConnectorHost
import Foundation
import HTTPTypes
import Hummingbird

/// Every connector the caller may use, as an OpsHub "Build Your Own Connector"
/// SDK base URL: `/connectors/{connectorId}/sdk-api/api/1.0`. Each path maps to
/// one standard operation; path and query parameters become fields of the
/// operation's request (docs/operations.md), the body its remaining fields.
///
/// The session configuration comes in the `connector-credentials` header as a
/// JSON array of `{"key", "value", "sensitive"}` (none: the plugin's defaults);
/// the host opens and reuses one session per connector and credential set.
/// Errors answer `{"errors": {"code", "message", "detail"}}`: 401 when the
/// session is not valid, 404 not found, 429 with Retry-After when a rate limit
/// or an open circuit breaker refuses the call.
enum SDKRoutes {
    static let base = "connectors/:connectorId/sdk-api/api/1.0"

    /// How one route turns a request into an operation's request.
    struct Route {
        let method: HTTPRequest.Method
        let path: String
        let operation: StandardOperation
        /// Path parameters copied into the request: the parameter, then the
        /// request field it fills. The router takes one parameter name per
        /// position, and OpsHub puts entity IDs and entity type IDs in the same
        /// position, so paths under entities/ use positional names.
        var pathFields: [(parameter: String, field: String)] = []
        /// Query parameters copied into the request.
        var queryFields: [String] = []
        /// How the JSON body joins the request.
        var body: BodyShape = .none
    }

    /// Query parameters that are integers, lists (comma-separated) and booleans;
    /// any other is a string.
    static let integerFields: Set<String> = ["startIndex", "maxResults"]
    static let listFields: Set<String> = ["expand", "fieldList"]
    static let booleanFields: Set<String> = ["includeDeleted"]

    enum BodyShape {
        /// No body.
        case none
        /// The body's members join the request.
        case merged
        /// The body becomes the request's member of this name.
        case member(String)
        /// A multipart attachment upload: fileName, file, fileComment.
        case attachment
    }

    private static let type = [("first", "entityTypeId")]
    private static let typeAndEntity = [("first", "entityTypeId"), ("second", "entityId")]

    static let routes: [Route] = [
        Route(method: .get, path: "connector-metadata", operation: .metadataGet),
        Route(method: .get, path: "server-info", operation: .serverInfo),
        Route(method: .get, path: "entity-types", operation: .entityTypeList, queryFields: ["projectId"]),
        Route(method: .get, path: "entity-types/:entityTypeId", operation: .entityTypeGet,
              pathFields: [("entityTypeId", "entityTypeId")], queryFields: ["projectId"]),
        Route(method: .get, path: "metadata/fields/:fieldId/values", operation: .lookupValues,
              pathFields: [("fieldId", "fieldId")], queryFields: ["projectId", "entityTypeId", "fieldScope"]),
        Route(method: .get, path: "entities/:first", operation: .entityGet, pathFields: [("first", "entityId")],
              queryFields: ["entityTypeId", "projectId", "expand", "fieldList", "includeDeleted"]),
        Route(method: .post, path: "entities/:first", operation: .entityCreate, pathFields: type,
              queryFields: ["projectId"], body: .merged),
        Route(method: .put, path: "entities/:first/:second", operation: .entityUpdate, pathFields: typeAndEntity,
              queryFields: ["projectId"], body: .merged),
        Route(method: .delete, path: "entities/:first/:second", operation: .entityDelete, pathFields: typeAndEntity,
              queryFields: ["projectId"]),
        Route(method: .post, path: "entities/:first/search", operation: .entityList, pathFields: type,
              queryFields: ["projectId", "startIndex", "maxResults", "nextPageLink"], body: .member("query")),
        Route(method: .post, path: "entities/:first/sub-steps-for-update", operation: .substepList, pathFields: type,
              queryFields: ["projectId", "entityId"], body: .merged),
        Route(method: .get, path: "users", operation: .userSearch,
              queryFields: ["email", "username", "displayName", "projectId"]),
        Route(method: .post, path: "entities/:first/:second/comments", operation: .commentAdd, pathFields: typeAndEntity,
              queryFields: ["projectId"], body: .member("comment")),
        Route(method: .get, path: "entities/:first/:second/comments", operation: .commentList, pathFields: typeAndEntity,
              queryFields: ["projectId"]),
        Route(method: .get, path: "entities/:first/attachments/content", operation: .attachmentGet, pathFields: type,
              queryFields: ["projectId", "contentUri"]),
        Route(method: .post, path: "entities/:first/:second/attachments", operation: .attachmentCreate,
              pathFields: typeAndEntity, queryFields: ["projectId"], body: .attachment),
        Route(method: .put, path: "entities/:first/:second/attachments", operation: .attachmentUpdate,
              pathFields: typeAndEntity, queryFields: ["projectId", "attachmentId"], body: .attachment),
        Route(method: .delete, path: "entities/:first/:second/attachments", operation: .attachmentDelete,
              pathFields: typeAndEntity, queryFields: ["projectId", "attachmentId"]),
        Route(method: .get, path: "attachments/file-name", operation: .attachmentFileName, queryFields: ["href", "imgsrc"]),
        Route(method: .post, path: "entities/:first/:second/links", operation: .linkUpsert, pathFields: typeAndEntity,
              queryFields: ["projectId"], body: .merged),
        Route(method: .delete, path: "entities/:first/:second/links", operation: .linkDelete, pathFields: typeAndEntity,
              queryFields: ["projectId", "linkType", "linkedEntityId"]),
        Route(method: .get, path: "entities/:first/:second/links/siblings-under-parent-order-by-rank",
              operation: .linkSiblings, pathFields: typeAndEntity,
              queryFields: ["projectId", "parentEntityId", "parentEntityType"]),
    ] + [
        ("entities/:first/history", StandardOperation.historyList),
        ("entities/:first/attachments/history", .historyAttachments),
        ("entities/:first/comments/history", .historyComments),
        ("entities/:first/links/history", .historyLinks),
    ].map { path, operation in
        Route(method: .get, path: path, operation: operation, pathFields: type, queryFields: [
            "projectId", "entityId", "since", "maxTime", "notUpdatedByUser", "startIndex", "maxResults",
            "nextPageLink", "orderByDirection",
        ])
    }

    static func add(to router: Router<AppRequestContext>, state: ServerState) {
        let group = router.group(RouterPath(base))
        for route in routes {
            group.on(RouterPath(route.path), method: route.method) { request, context in
                do throws(ConnectorHostError) {
                    let principal = try context.requirePrincipal()
                    let connector = try state.callableConnector(try parameter("connectorId", context), for: principal)
                    let body = try await operationRequest(route, request: request, context: context, limit: state.configuration.maxBodySize)
                    let credentials = try Self.credentials(request)
                    let response = try await connector.call(route.operation, request: body.bytes, credentials: credentials)
                    return JSONBody.response(bytes: response, status: route.operation == .entityCreate ? .created : .ok)
                } catch {
                    throw sdkError(error)
                }
            }
        }
        group.post("session") { request, context in
            do throws(ConnectorHostError) {
                let principal = try context.requirePrincipal()
                let connector = try state.callableConnector(try parameter("connectorId", context), for: principal)
                let settings = try await request.decodeJSON([SessionSetting].self, limit: 64 << 10)
                let response = try await connector.call(.sessionOpen, credentials: settings)
                return JSONBody.response(bytes: response)
            } catch {
                throw sdkError(error)
            }
        }
    }

    /// The operation's request: path and query parameters, then the body.
    static func operationRequest(
        _ route: Route, request: Request, context: AppRequestContext, limit: Int
    ) async throws(ConnectorHostError) -> JSONValue {
        var fields: [String: JSONValue] = [:]
        for (name, field) in route.pathFields {
            fields[field] = .string(try parameter(name, context))
        }
        let query = request.uri.queryParameters
        for name in route.queryFields {
            guard let value = query[Substring(name)].map(String.init) else { continue }
            if integerFields.contains(name) {
                guard let number = Int64(value) else {
                    throw ConnectorHostError(.invalidRequest, "query parameter \(name) must be an integer, not '\(value)'")
                }
                fields[name] = .integer(number)
            } else if listFields.contains(name) {
                fields[name] = .array(value.split(separator: ",").map { .string(String($0)) })
            } else if booleanFields.contains(name) {
                fields[name] = .bool(value == "true")
            } else {
                fields[name] = .string(value)
            }
        }
        switch route.body {
        case .none:
            break
        case .merged, .member:
            let bytes = try await request.collectBody(limit: limit)
            guard !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else { break }
            let body = try JSONValue(parsing: bytes)
            if case .member(let name) = route.body, body[name] == nil {
                fields[name] = body
            } else {
                guard let members = body.objectValue else {
                    throw ConnectorHostError(.invalidRequest, "the request body must be a JSON object")
                }
                // The path wins over the body: a request cannot retarget its URL.
                fields.merge(members) { fromPath, _ in fromPath }
            }
        case .attachment:
            let bytes = try await request.collectBody(limit: limit)
            let form = try MultipartForm(bytes, contentType: request.headers[.contentType])
            if let file = form.part(named: "file") {
                fields["content"] = .string(Base64.encode(file.body))
                fields["fileName"] = .string(form.text("fileName") ?? file.fileName ?? "attachment")
            } else if let name = form.text("fileName") {
                fields["fileName"] = .string(name)
            }
            if route.operation == .attachmentCreate, fields["content"] == nil {
                throw ConnectorHostError(.invalidRequest, "the multipart body needs a 'file' part")
            }
            if let comment = form.text("fileComment") { fields["fileComment"] = .string(comment) }
            if let type = form.part(named: "file").flatMap({ _ in form.text("contentType") }) {
                fields["contentType"] = .string(type)
            }
        }
        return .object(fields)
    }

    /// The session configuration of the `connector-credentials` header.
    static func credentials(_ request: Request) throws(ConnectorHostError) -> [SessionSetting] {
        guard let name = HTTPField.Name("connector-credentials"), let header = request.headers[name] else { return [] }
        do {
            return try JSONDecoder().decode([SessionSetting].self, from: Data(header.utf8))
        } catch {
            throw ConnectorHostError(
                .invalidRequest, "the connector-credentials header must be a JSON array of {\"key\", \"value\", \"sensitive\"}"
            )
        }
    }

    /// `{"errors": {"code", "message", "detail"}}`, the OpsHub error shape.
    static func sdkError(_ error: ConnectorHostError) -> APIError {
        struct Body: Encodable {
            struct Errors: Encodable {
                let code: String
                let message: String
                let detail: JSONValue?

                func encode(to encoder: Encoder) throws {
                    var container = encoder.container(keyedBy: Key.self)
                    try container.encode(code, forKey: .code)
                    try container.encode(message, forKey: .message)
                    try container.encode(detail ?? .null, forKey: .detail)
                }

                enum Key: String, CodingKey { case code, message, detail }
            }

            let errors: Errors
        }
        let detail = error.detail.map { text in (try? JSONValue(parsing: Array(text.utf8))) ?? .string(text) }
        return APIError(
            status: .init(code: error.code.httpStatus),
            body: Body(errors: .init(code: error.code.description, message: error.message, detail: detail)),
            retryAfter: error.retryAfter
        )
    }
}
