import ConnectorHost
import Foundation
import HTTPTypes
import Hummingbird

/// Every connector the caller may use, as an OpsHub "Build Your Own Connector"
/// SDK base URL: `/connectors/{connectorId}/sdk-api/api/1.0`, and with
/// `--sdk-default-connector NAME` that connector at `/sdk-api/api/1.0` too
/// (OpsHub is given one base URL per connector). Each path maps to one
/// standard operation; path and query parameters become fields of the
/// operation's request (docs/operations.md), the body its remaining fields. A
/// documented query parameter sent empty (`nextPageLink=`) is absent.
///
/// The session settings come from the headers (``SDKSessionSettings``); the
/// host opens and reuses one session per connector and settings. Errors answer
/// `{"errors": {"code", "message", "detail"}}`: 401 when the session is not
/// valid (OpsHub then initialises a new one), 400 for a refused token
/// (``APIFamily/tokenRefused(_:)``), 404 not found, 429 with Retry-After when
/// a rate limit or an open circuit breaker refuses the call.
enum SDKRoutes {
    /// Where the SDK routes are served.
    enum Base: CaseIterable {
        /// `/connectors/{connectorId}/sdk-api/api/1.0`.
        case named
        /// `/sdk-api/api/1.0`, for ``ServerConfiguration/sdkDefaultConnector``.
        case `default`

        var path: String {
            switch self {
            case .named: "connectors/:connectorId/sdk-api/api/1.0"
            case .default: "sdk-api/api/1.0"
            }
        }

        /// The connector a request names.
        ///
        /// - Throws: `not_found` at the default base of a server that serves none there.
        func connector(_ context: AppRequestContext, state: ServerState) throws(ConnectorHostError) -> String {
            switch self {
            case .named:
                return try parameter("connectorId", context)
            case .default:
                guard let name = state.configuration.sdkDefaultConnector else {
                    throw ConnectorHostError(
                        .notFound,
                        "this server serves no connector at /sdk-api/api/1.0 (serve --sdk-default-connector NAME); call /connectors/{name}/sdk-api/api/1.0"
                    )
                }
                return name
            }
        }
    }

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
        for base in Base.allCases {
            add(base, to: router, state: state)
        }
    }

    private static func add(_ base: Base, to router: Router<AppRequestContext>, state: ServerState) {
        let group = router.group(RouterPath(base.path))
        for route in routes {
            group.on(RouterPath(route.path), method: route.method) { request, context in
                do throws(ConnectorHostError) {
                    let principal = try context.requirePrincipal()
                    let name = try base.connector(context, state: state)
                    let connector = try await state.callableConnector(name, for: principal)
                    let body = try await operationRequest(route, request: request, context: context, limit: state.configuration.maxBodySize)
                    let settings = try await SDKSessionSettings.settings(
                        request, connector: connector, principal: principal, state: state
                    )
                    let response = try await connector.call(route.operation, request: body.bytes, credentials: settings)
                    return try SDKAnswer.response(response, of: route.operation, request: body)
                } catch {
                    throw sdkError(error)
                }
            }
        }
        group.post("session") { request, context in
            do throws(ConnectorHostError) {
                let principal = try context.requirePrincipal()
                let name = try base.connector(context, state: state)
                let connector = try await state.callableConnector(name, for: principal)
                let settings = try await request.decodeJSON([SessionSetting].self, limit: 64 << 10)
                let response = try await connector.call(.sessionOpen, credentials: settings)
                let marker = state.sessionMarkers.marker(for: .init(connector: name, principal: principal, settings: settings))
                return JSONBody.response(bytes: SDKSessionSettings.answer(response, marker: marker))
            } catch {
                throw sdkError(error)
            }
        }
        // OpsHub's logout, once a sync is done: the session's values come as
        // headers, as on every call; the path's session ID is OpsHub's own,
        // and systemId and cleanupGlobalCache name caches the host does not keep.
        group.post("cleanup/:sdkSessionId") { request, context in
            do throws(ConnectorHostError) {
                let principal = try context.requirePrincipal()
                let name = try base.connector(context, state: state)
                let connector = try await state.callableConnector(name, for: principal)
                if let flag = request.uri.queryParameters["cleanupGlobalCache"], !["", "true", "false"].contains(flag) {
                    throw ConnectorHostError(.invalidRequest, "query parameter cleanupGlobalCache must be true or false, not '\(flag)'")
                }
                let settings: [SessionSetting]
                do throws(ConnectorHostError) {
                    settings = try await SDKSessionSettings.settings(
                        request, connector: connector, principal: principal, state: state
                    )
                } catch {
                    // A session already logged out, or forgotten by a restart, is logged out.
                    guard error.code == .unauthorized else { throw error }
                    return JSONBody.response(bytes: Array("{}".utf8))
                }
                try await connector.closeSession(credentials: settings)
                if let marker = SDKSessionSettings.marker(request) { state.sessionMarkers.forget(marker) }
                return JSONBody.response(bytes: Array("{}".utf8))
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
            // OpsHub fills every documented parameter, an unknown one with nothing.
            guard let value = query[Substring(name)].map(String.init), !value.isEmpty else { continue }
            if integerFields.contains(name) {
                guard let number = Int64(value) else {
                    throw ConnectorHostError(.invalidRequest, "query parameter \(name) must be an integer, not '\(value)'")
                }
                fields[name] = .integer(number)
            } else if listFields.contains(name) {
                let items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                guard !items.isEmpty else { continue }
                fields[name] = .array(items.map { .string($0) })
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
            // A contentType field names the type; otherwise the file part's own
            // Content-Type does, as a browser or curl -F sends it.
            if let file = form.part(named: "file"), let type = form.text("contentType") ?? file.contentType {
                fields["contentType"] = .string(type)
            }
        }
        return .object(fields)
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
            status: error.code.httpStatus,
            body: Body(errors: .init(code: error.code.description, message: error.restMessage, detail: detail)),
            retryAfter: error.retryAfter
        )
    }
}
