import ConnectorHost
import ConnectorHostRegistry
import OpenAPIKit30

/// The shared parts of the document: the error shapes of each API family,
/// the records several routes answer, the `Retry-After` header, the 405
/// answer and the security schemes.
enum OpenAPIComponents {
    static var components: OpenAPI.Components {
        OpenAPI.Components(
            schemas: schemas,
            responses: ["MethodNotAllowed": methodNotAllowed],
            headers: ["Retry-After": retryAfter],
            securitySchemes: [
                "authToken": .apiKey(name: "authToken", location: .header, description: "An org's or the admin's token, as the Jitterbit API sends it"),
                "bearer": .http(scheme: "bearer", description: "The same token as Authorization: Bearer TOKEN"),
                "adminAuthToken": .apiKey(name: "authToken", location: .header, description: "The admin token (CONNECTOR_HOST_ADMIN_TOKEN); an org token is refused with 401"),
                "adminBearer": .http(scheme: "bearer", description: "The admin token as Authorization: Bearer TOKEN"),
            ]
        )
    }

    /// Seconds, rounded up, at least 1.
    static let retryAfter = OpenAPI.Header(
        schema: .integer(minimum: (1, exclusive: false)),
        description: "Seconds to wait before trying again: sent with every 429 the host's rate limit, circuit breaker or bulkhead answers, and when a plugin's own rate limit says when"
    )

    /// What any path answers to a method it does not take, in the shape of
    /// the path's family. It is no operation's answer, so it lives here,
    /// named, rather than under each.
    static let methodNotAllowed = OpenAPI.Response(
        description: "The path does not take this method; Allow lists those it takes",
        headers: ["Allow": .b(OpenAPI.Header(schema: .string, description: "The methods the path takes, e.g. `GET, POST`", required: true))],
        content: [.json: .init(schema: .any(of: ["HostError", "SDKError", "RegistrationFailure", "CatalogueFailure"].map { APISchema.ref($0) }))]
    )

    static let errorCodes = ConnectorHostError.Code.allCases.map(\.description)

    static var schemas: OpenAPI.ComponentDictionary<JSONSchema> {
        let summary = APISchema.object([
            "code": APISchema.oneOf(errorCodes),
            "message": APISchema.string("What was wrong and what to do"),
        ])
        var schemas: OpenAPI.ComponentDictionary<JSONSchema> = [
            "HostError": APISchema.object(["error": summary], description: "The host's error shape"),
            "SDKError": APISchema.object([
                "errors": APISchema.object([
                    "code": APISchema.oneOf(errorCodes),
                    "message": APISchema.string(),
                    "detail": JSONSchema.fragment(description: "The plugin's detail: JSON when it sent JSON, otherwise its text; null when none"),
                ]),
            ], description: "The OpsHub SDK's error shape"),
            "RegistrationFailure": APISchema.object([
                "status": APISchema.constant(false),
                "operation": APISchema.string("The Jitterbit operation, e.g. 'Register a connector'"),
                "error": summary,
            ], description: "The Jitterbit registration API's error shape"),
            "CatalogueFailure": .object(
                description: "The Obsrv envelope of a failed call",
                properties: [
                    "id": APISchema.string("The API, e.g. api.connectors.read"),
                    "ver": APISchema.oneOf(["v2"]),
                    "ts": .string(format: .dateTime),
                    "params": APISchema.object([
                        "status": APISchema.oneOf(["FAILED"]),
                        "msgid": APISchema.string(),
                        "resmsgid": APISchema.string(),
                        "err": APISchema.string("The API's error code (FAILED_TO_REGISTER_CONNECTOR, CONNECTOR_NOT_FOUND, CONNECTORS_LIST_INPUT_INVALID, CONNECTOR_STATUS_UPDATE_FAILED) or UNAUTHORIZED"),
                        "errmsg": APISchema.string("What was wrong and what to do"),
                    ]),
                    "responseCode": APISchema.oneOf(["NOT_FOUND", "UNAUTHORIZED", "CONFLICT", "SERVICE_UNAVAILABLE", "CLIENT_ERROR"]),
                    "result": .object(properties: [:], additionalProperties: .a(false)),
                ]
            ),
            "SessionSetting": .object(
                description: "One session setting (OpsHub): values marked sensitive are secrets, never logged",
                properties: [
                    "key": .string,
                    "value": .string,
                    "sensitive": .boolean(required: false, nullable: true, description: "Absent or null: false"),
                ]
            ),
            "PluginStatus": pluginStatus,
            "PluginDetail": .all(of: [
                APISchema.ref("PluginStatus"),
                APISchema.object([
                    "capabilities": .array(items: APISchema.oneOf(APIGroup.allCases.map(\.rawValue))),
                    "functions": .array(items: .object(properties: [
                        "entityId": .integer,
                        "name": .string,
                        "kind": APISchema.oneOf(["standard", "custom"]),
                        "group": APISchema.oneOf(APIGroup.allCases.map(\.rawValue), required: false),
                        "signature": .string(required: false, description: "The C declaration of a custom function"),
                    ])),
                    "key": .string,
                    "endpointEntityId": .integer,
                    "functionEntityStartId": .integer,
                    "functionEntityEndId": .integer,
                ]),
            ]),
            "Org": APISchema.object(["id": .string, "name": .string, "createdAt": .string(format: .dateTime)]),
            "Token": .object(properties: [
                "id": .string,
                "org": .string(nullable: true, description: "null for an admin token"),
                "createdAt": .string(format: .dateTime),
                "revokedAt": .string(format: .dateTime, nullable: true),
            ]),
            "IssuedAdminToken": APISchema.object([
                "id": APISchema.string("The token's ID, to revoke it"),
                "token": APISchema.string("The admin token: shown this once, stored hashed"),
            ]),
            "IssuedToken": APISchema.object([
                "id": APISchema.string("The token's ID, to revoke it"),
                "org": .string,
                "token": APISchema.string("The token: shown this once, stored hashed"),
            ]),
            "AuditEntry": .object(properties: [
                "at": .string(format: .dateTime),
                "actor": .string,
                "action": .string,
                "subject": .string(required: false),
                "detail": .string(required: false),
            ]),
        ]
        for (name, schema) in Array(CatalogueAPI.schemas) + Array(BuilderAPI.schemas) + Array(ConnectionAPI.schemas) {
            schemas[name] = schema
        }
        return schemas
    }

    /// `PluginStatus` as the control plane encodes it: absent optionals are left out.
    private static var pluginStatus: JSONSchema {
        .object(properties: [
            "name": .string,
            "version": .string,
            "path": .string,
            "runtime": APISchema.string("sandbox (its own worker process) or in-process (trusted)"),
            "health": APISchema.oneOf(["healthy", "degraded", "restarting", "quarantined", "starting", "idle", "stopped", "paused"]),
            "secondsToNextProbe": .number(required: false),
            "secondsToRestart": .number(required: false),
            "reason": .string(required: false),
            "breaker": APISchema.oneOf(["closed", "open", "half_open"]),
            "pid": .integer(required: false),
            "restarts": .integer(minimum: (0, exclusive: false)),
            "lastCrash": .string(required: false),
            "abiVersion": .integer(minimum: (0, exclusive: false)),
            "fileSHA256": .string(required: false, pattern: "^[0-9a-f]{64}$"),
            "lastReloadError": .string(required: false),
        ])
    }
}
