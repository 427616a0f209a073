import ConnectorHost
import OpenAPIKit30

/// The OpsHub SDK routes (generated from ``SDKRoutes/routes``, the table the
/// router serves) at both bases, the session and logout routes, and custom
/// functions.
///
/// A plugin's answer is passed through as it gave it; the shapes below are the
/// ones docs/operations.md asks of a plugin, with their members optional since
/// the host does not rewrite what a plugin returns.
enum ConnectorSDKAPI {
    static let callErrors = [400, 404, 409, 429, 502, 504]

    /// A base's path template, and what sets its endpoints apart.
    static func base(_ base: SDKRoutes.Base) -> String {
        switch base {
        case .named: "/connectors/{connectorId}/sdk-api/api/1.0"
        case .default: "/sdk-api/api/1.0"
        }
    }

    static func parameters(_ base: SDKRoutes.Base) -> [OpenAPI.Parameter] {
        base == .named ? [APISchema.path("connectorId", "The connector's name")] : []
    }

    /// Operation IDs are unique in a document: the default base's carry a suffix.
    static func operationId(_ id: String, _ base: SDKRoutes.Base) -> String {
        base == .named ? id : id + "AtDefaultBase"
    }

    static var endpoints: [APIEndpoint] {
        let connectorId = APISchema.path("connectorId", "The connector's name")
        return [
            APIEndpoint(
                .post, "/connectors/{connectorId}/functions/{function}", id: "callCustomFunction", tag: "functions",
                summary: "Call a custom function by entity ID or name with a JSON array of arguments",
                parameters: [connectorId, APISchema.path("function", "The function's entity ID or name")] + sessionHeaders,
                body: APISchema.body(.array(items: .fragment)),
                success: .json("The function's return value", APISchema.object(["result": .fragment])),
                errors: callErrors, shape: .sdk
            ),
        ] + SDKRoutes.Base.allCases.flatMap { base in
            [session(base), cleanup(base)] + SDKRoutes.routes.map { endpoint($0, base: base) }
        }
    }

    static func session(_ base: SDKRoutes.Base) -> APIEndpoint {
        APIEndpoint(
            .post, Self.base(base) + "/session", id: operationId("openSession", base), tag: "connector SDK",
            summary: "Initialise (open and check) the session for a set of settings",
            parameters: parameters(base),
            body: APISchema.body(.array(items: APISchema.ref("SessionSetting"))),
            success: .json(
                "The pairs the plugin returned, then X-Connector-Session: all to send back as request headers on later calls",
                .array(items: APISchema.ref("SessionSetting"))
            ),
            errors: callErrors, shape: .sdk
        )
    }

    static func cleanup(_ base: SDKRoutes.Base) -> APIEndpoint {
        APIEndpoint(
            .post, Self.base(base) + "/cleanup/{sdkSessionId}", id: operationId("cleanupSession", base), tag: "connector SDK",
            summary: "Session logout: close the session the headers name",
            description: "The session is the one the headers name, as on every call; one already logged out, or forgotten by a restart, is logged out. systemId and cleanupGlobalCache are accepted and name nothing the host keeps.",
            parameters: parameters(base) + [
                APISchema.path("sdkSessionId", "OpsHub's own ID of the session"),
                APISchema.query("systemId", .string),
                APISchema.query("cleanupGlobalCache", .boolean),
            ] + sessionHeaders,
            success: .json("Logged out", .object(properties: [:])),
            errors: callErrors, shape: .sdk
        )
    }

    /// The path template of a route: its router parameters named after the
    /// request fields they fill. Where two routes share a router path but
    /// fill different fields from one position (`GET entities/{entityId}`,
    /// `POST entities/{entityTypeId}`), the names are joined, so that the
    /// document has one template per router path, as the router has.
    static func template(_ route: SDKRoutes.Route, base: SDKRoutes.Base) -> String {
        let segments = route.path.split(separator: "/").map { segment -> String in
            guard segment.hasPrefix(":") else { return String(segment) }
            let parameter = String(segment.dropFirst())
            let fields = SDKRoutes.routes.filter { $0.path == route.path }
                .compactMap { other in other.pathFields.first { $0.parameter == parameter }?.field }
            let names = Array(Set(fields)).sorted()
            guard let first = names.first else { return "{\(parameter)}" }
            return "{" + ([first] + names.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() })
                .joined(separator: "Or") + "}"
        }
        return Self.base(base) + "/" + segments.joined(separator: "/")
    }

    static func endpoint(_ route: SDKRoutes.Route, base: SDKRoutes.Base) -> APIEndpoint {
        let path = template(route, base: base)
        let baseParameters = Self.parameters(base)
        var parameters = baseParameters
        let templated = path.split(separator: "/").filter { $0.hasPrefix("{") }.dropFirst(baseParameters.count)
        for (name, field) in zip(templated, route.pathFields.map(\.field)) {
            let name = String(name.dropFirst().dropLast())
            parameters.append(APISchema.path(name, name == field ? "The \(field)" : "Here: the \(field)"))
        }
        for name in route.queryFields {
            parameters.append(queryParameter(name))
        }
        parameters += sessionHeaders
        let operation = route.operation
        return APIEndpoint(
            method(route), path, id: operationId(operationId(operation), base), tag: "connector SDK",
            summary: summaries[operation] ?? operation.rawValue,
            description: "The standard operation `\(operation.rawValue)` (docs/operations.md); path and query parameters become its request fields.",
            parameters: parameters, body: body(route),
            success: success(operation),
            errors: callErrors, shape: .sdk
        )
    }

    static func method(_ route: SDKRoutes.Route) -> OpenAPI.BuiltinHttpMethod {
        switch route.method {
        case .get: .get
        case .put: .put
        case .delete: .delete
        default: .post
        }
    }

    static let summaries: [StandardOperation: String] = [
        .metadataGet: "The configuration a session needs, and the features the connector enables",
        .serverInfo: "The end system's time zone, locale and largest page",
        .entityTypeList: "The entity types of a project",
        .entityTypeGet: "One entity type's settings: sub-steps, recovery, history, links",
        .lookupValues: "The values a lookup field takes",
        .entityGet: "One entity, with its attachments and links if expanded",
        .entityCreate: "Create an entity",
        .entityUpdate: "Update an entity's fields; only those given change",
        .entityList: "One page of the entities a query selects",
        .entityDelete: "Soft-delete an entity",
        .substepList: "The steps to apply an update in, in order",
        .userSearch: "Users by exactly one of email, username or displayName",
        .commentAdd: "Add a comment to an entity",
        .commentList: "An entity's comments, oldest first",
        .attachmentGet: "An attachment's content, base64",
        .attachmentCreate: "Attach a file to an entity (multipart: file, fileName, fileComment)",
        .attachmentUpdate: "Replace an attachment's content, name or comment",
        .attachmentDelete: "Delete an attachment",
        .attachmentFileName: "The file name an attachment URL names",
        .linkUpsert: "Create or update an entity's links, with a rank",
        .linkDelete: "Delete a link",
        .linkSiblings: "The children of a parent in rank order, the entity included",
        .historyList: "An entity type's revisions",
        .historyAttachments: "Attachment revisions",
        .historyComments: "Comment revisions",
        .historyLinks: "Link revisions",
    ]

    /// `entity_type.list` → `entityTypeList`.
    static func operationId(_ operation: StandardOperation) -> String {
        let words = operation.rawValue.split(whereSeparator: { $0 == "." || $0 == "_" })
        return (words.prefix(1).map(String.init) + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() })
            .joined()
    }

    static func success(_ operation: StandardOperation) -> APIEndpoint.Success {
        switch operation {
        case .entityCreate:
            .json("The created entity, with its id", responseSchema(operation), status: 201)
        case .attachmentGet:
            .init(description: "The attachment's content, as base64 text", schema: .string(format: .byte), contentType: .txt)
        default:
            .json("The plugin's answer", responseSchema(operation))
        }
    }

    /// The headers that name the session settings (SDKSessionSettings): the
    /// first present wins; neither: the plugin's defaults.
    static let sessionHeaders = [
        OpenAPI.Parameter(
            name: "connector-credentials", context: .header(required: false),
            content: [.json: .init(schema: .array(items: APISchema.ref("SessionSetting")))],
            description: "The session settings, a JSON array of {key, value, sensitive}. The host opens one session per connector and settings and reuses it."
        ),
        OpenAPI.Parameter(
            name: "connector-connection", context: .header(required: false), schema: .string,
            description: "The ID of a saved connection (POST /connections) of the caller's org for this connector, whose settings the call runs with; one saved for another version than the one serving answers 409."
        ),
        OpenAPI.Parameter(
            name: SessionMarkers.key, context: .header(required: false), schema: .string,
            description: "The value session initialisation answered under this key: the settings it was initialised with. One this server did not give (a restart, a logout) answers 401: initialise again. Empty: none."
        ),
    ]

    static func queryParameter(_ name: String) -> OpenAPI.Parameter {
        if SDKRoutes.integerFields.contains(name) {
            return APISchema.query(name, .integer(format: .int64, minimum: (0, exclusive: false)))
        }
        if SDKRoutes.listFields.contains(name) {
            return OpenAPI.Parameter(
                name: name, context: .query(required: false),
                schema: OpenAPI.Parameter.SchemaContext(
                    .array(items: .string(minLength: 1, pattern: "^[^,]*$")), style: .form, explode: false
                ),
                description: "Comma-separated"
            )
        }
        if SDKRoutes.booleanFields.contains(name) {
            return APISchema.query(name, .boolean, "true, or anything else for false")
        }
        return APISchema.query(name, .string)
    }

    static func body(_ route: SDKRoutes.Route) -> OpenAPI.Request? {
        let fields = JSONSchema.object(required: false, description: "Field internal names and values")
        switch route.body {
        case .none:
            return nil
        case .merged:
            let schema: JSONSchema =
                switch route.operation {
                case .entityCreate: .object(properties: ["fields": fields, "mandatoryLinks": .array(required: false)])
                case .linkUpsert: .object(properties: [
                    "linkType": .string(required: false), "links": .array(required: false, items: .object),
                    "rankInfo": .object(required: false),
                ])
                default: .object(properties: ["fields": fields])
                }
            return OpenAPI.Request(
                description: "Joins the request; path and query parameters win over it. An empty body is {}.",
                content: [.json: .init(schema: schema)], required: false
            )
        case .member(let name):
            return OpenAPI.Request(
                description: "The request's \(name); an object holding a \(name) member gives its other members to the request too. An empty body is none.",
                content: [.json: .init(schema: .fragment)], required: false
            )
        case .attachment:
            let create = route.operation == .attachmentCreate
            return OpenAPI.Request(
                // A multipart body needs at least one part: the parser refuses an empty one.
                content: [.multipartForm: .init(schema: .object(minProperties: 1, properties: [
                    "file": .string(format: .binary, required: create, description: "The content"),
                    "fileName": .string(required: false, description: "Default: the file part's file name"),
                    "fileComment": .string(required: false),
                    "contentType": .string(required: false, description: "The content's media type"),
                ]))],
                required: create
            )
        }
    }

    static func responseSchema(_ operation: StandardOperation) -> JSONSchema {
        let object = JSONSchema.object
        let list = JSONSchema.array(items: .object)
        let deleted = JSONSchema.object(properties: ["id": .string(required: false), "deleted": .boolean(required: false)])
        let revisions = JSONSchema.object(properties: [
            "nextPageLink": .string(required: false, nullable: true),
            "nextPageLinkSupported": .boolean(required: false),
            "revisions": .array(required: false, items: .object),
        ])
        return switch operation {
        case .serverInfo: .object(properties: [
            "maxResults": .integer(required: false), "timeZone": .string(required: false),
            "locale": .string(required: false), "integrationUserInfo": .object(required: false),
        ])
        case .metadataGet: .object(properties: [
            "enableFeatures": .array(required: false, items: .string), "additionalMetadata": .object(required: false),
            "fields": .array(required: false, items: .object),
        ])
        case .entityTypeList, .lookupValues, .substepList, .userSearch, .commentList, .linkSiblings: list
        case .entityDelete, .attachmentDelete, .linkDelete: deleted
        case .attachmentFileName: .object(properties: ["fileName": .string(required: false)])
        case .historyList, .historyAttachments, .historyComments, .historyLinks: revisions
        case .entityList: .fragment(description: "One page of entities")
        default: object
        }
    }
}
