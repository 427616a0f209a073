import Foundation

/// The OpenAPI 3 description of the whole REST API, served at `/openapi.json`.
/// Built from one table of operations, which the tests hold against the router.
enum OpenAPIDocument {
    struct Operation {
        let method: String
        let path: String
        let summary: String
        let tag: String
        var requestSchema: [String: Any]?
        var multipart = false
        var authenticated = true
        var parameters: [String] = []
    }

    static var error: [String: Any] {[
        "type": "object",
        "properties": ["error": ["type": "object", "properties": ["code": ["type": "string"], "message": ["type": "string"]]]],
    ]}

    static var operations: [Operation] {[
        Operation(method: "get", path: "/healthz", summary: "Liveness; no token needed", tag: "control plane", authenticated: false),
        Operation(method: "get", path: "/metrics", summary: "Prometheus text: calls, failures by kind, latency, breaker state", tag: "control plane"),
        Operation(method: "get", path: "/openapi.json", summary: "This document", tag: "control plane"),
        Operation(method: "get", path: "/plugins", summary: "Every plugin: version, ABI, runtime, health, breaker, last crash, file hash", tag: "control plane"),
        Operation(method: "get", path: "/plugins/{name}", summary: "One plugin, with its functions and their signatures", tag: "control plane", parameters: ["name"]),
        Operation(method: "post", path: "/plugins/{name}/restart", summary: "Start a fresh sandbox worker; lifts quarantine (admin)", tag: "control plane", parameters: ["name"]),
        Operation(method: "post", path: "/plugins/{name}/reload", summary: "Load the plugin file's current build, without dropping a call (admin)", tag: "control plane", parameters: ["name"]),
        Operation(method: "post", path: "/plugins/{name}/pause", summary: "Refuse calls until resumed (admin)", tag: "control plane", parameters: ["name"]),
        Operation(method: "post", path: "/plugins/{name}/resume", summary: "Take calls again (admin)", tag: "control plane", parameters: ["name"]),
        Operation(method: "post", path: "/admin/orgs", summary: "Create an org (admin)", tag: "admin",
                  requestSchema: object(["id": "string", "name": "string"])),
        Operation(method: "get", path: "/admin/orgs", summary: "List orgs (admin)", tag: "admin"),
        Operation(method: "post", path: "/admin/orgs/{orgId}/tokens", summary: "Issue a token for an org; shown once (admin)", tag: "admin", parameters: ["orgId"]),
        Operation(method: "post", path: "/admin/tokens", summary: "Issue another admin token, for rotation; shown once (admin)", tag: "admin"),
        Operation(method: "get", path: "/admin/tokens", summary: "Every token's ID, org and dates, never its value (admin)", tag: "admin"),
        Operation(method: "delete", path: "/admin/tokens/{tokenId}", summary: "Revoke a token; the last admin token cannot be revoked (admin)", tag: "admin", parameters: ["tokenId"]),
        Operation(method: "get", path: "/admin/audit", summary: "The audit trail, newest first (admin)", tag: "admin"),
        Operation(method: "post", path: "/orgs/{orgId}/connector", summary: "Register a connector: id, key, secret (shown once) and a block of 100 entity IDs", tag: "registration",
                  requestSchema: object(["name": "string", "version": "string"]), parameters: ["orgId"]),
        Operation(method: "get", path: "/orgs/{orgId}/connector", summary: "List registered connectors (secret masked)", tag: "registration", parameters: ["orgId"]),
        Operation(method: "delete", path: "/orgs/{orgId}/connector/{connectorId}", summary: "Delete a registration no Live connector uses", tag: "registration", parameters: ["orgId", "connectorId"]),
        Operation(method: "delete", path: "/orgs/{orgId}/connector/{connectorId}/sdk/delete", summary: "Delete the UI payload of a registration", tag: "registration", parameters: ["orgId", "connectorId"]),
        Operation(method: "put", path: "/orgs/{orgId}/connector/validate/securityinfo", summary: "Whether a key and secret belong to the named registration", tag: "registration",
                  requestSchema: object(["name": "string", "key": "string", "secret": "string"]), parameters: ["orgId"]),
        Operation(method: "post", path: "/v2/connector/register", summary: "Upload a distribution (.so or .tar.gz with metadata.json); recorded as Draft", tag: "catalogue", multipart: true),
        Operation(method: "get", path: "/v2/connectors/read/{id}", summary: "One catalogue entry", tag: "catalogue", parameters: ["id"]),
        Operation(method: "post", path: "/v2/connectors/list", summary: "Catalogue entries filtered by request.filters.status and .category", tag: "catalogue",
                  requestSchema: ["type": "object", "properties": ["request": ["type": "object", "properties": ["filters": ["type": "object", "properties": [
                      "status": ["type": "array", "items": ["type": "string", "enum": ["Draft", "InValidation", "Live", "Retired"]]],
                      "category": ["type": "array", "items": ["type": "string"]],
                  ]]]]]]),
        Operation(method: "post", path: "/v2/connectors/{id}/status", summary: "Move a connector: Draft → InValidation → Live (with a scope) → Retired", tag: "catalogue",
                  requestSchema: ["type": "object", "required": ["request"], "properties": ["request": ["type": "object", "required": ["status"], "properties": [
                      "status": ["type": "string", "enum": ["InValidation", "Live", "Retired"]], "scope": ["type": "string", "enum": ["catalogue", "org"]],
                  ]]]], parameters: ["id"]),
        Operation(method: "post", path: "/connectors/{connectorId}/functions/{function}", summary: "Call a custom function by entity ID or name with a JSON array of arguments", tag: "functions",
                  requestSchema: ["type": "array", "items": [:]], parameters: ["connectorId", "function"]),
        Operation(method: "post", path: "/connectors/{connectorId}/sdk-api/api/1.0/session",
                  summary: "Open (and check) the session for a credential set: [{key, value, sensitive}]", tag: "connector SDK",
                  requestSchema: ["type": "array", "items": object(["key": "string", "value": "string"])], parameters: ["connectorId"]),
    ] + SDKRoutes.routes.map(sdkOperation) }

    /// An SDK route as an operation of this document.
    static func sdkOperation(_ route: SDKRoutes.Route) -> Operation {
        let names = Dictionary(route.pathFields.map { ($0.parameter, $0.field) }) { first, _ in first }
        let path = "/" + (SDKRoutes.base + "/" + route.path).split(separator: "/").map { segment in
            guard segment.hasPrefix(":") else { return String(segment) }
            let parameter = String(segment.dropFirst())
            return "{\(names[parameter] ?? parameter)}"
        }.joined(separator: "/")
        var body: [String: Any]?
        var multipart = false
        switch route.body {
        case .none: body = nil
        case .merged, .member: body = ["type": "object"]
        case .attachment: multipart = true
        }
        let summary = "\(route.operation.rawValue); query: \(route.queryFields.isEmpty ? "none" : route.queryFields.joined(separator: ", ")); header connector-credentials: the session's [{key, value, sensitive}]"
        return Operation(
            method: route.method.rawValue.lowercased(), path: path, summary: summary, tag: "connector SDK",
            requestSchema: body, multipart: multipart, parameters: ["connectorId"] + route.pathFields.map(\.field)
        )
    }

    static func object(_ fields: [String: String]) -> [String: Any] {
        ["type": "object", "required": fields.keys.sorted(), "properties": fields.mapValues { ["type": $0] }]
    }

    static let json: [UInt8] = {
        var paths: [String: [String: Any]] = [:]
        for operation in operations {
            var entry: [String: Any] = [
                "summary": operation.summary,
                "tags": [operation.tag],
                "responses": [
                    "200": ["description": "Success", "content": ["application/json": ["schema": [:] as [String: Any]]]],
                    "4XX": ["description": "The request was refused; the body says why", "content": ["application/json": ["schema": error]]],
                ],
                "parameters": operation.parameters.map { ["name": $0, "in": "path", "required": true, "schema": ["type": "string"]] },
            ]
            if !operation.authenticated { entry["security"] = [[String: Any]]() }
            if let schema = operation.requestSchema {
                entry["requestBody"] = ["required": true, "content": ["application/json": ["schema": schema]]]
            }
            if operation.multipart {
                entry["requestBody"] = ["required": true, "content": ["multipart/form-data": ["schema": [
                    "type": "object", "properties": ["file": ["type": "string", "format": "binary"]],
                ]]]]
            }
            paths[operation.path, default: [:]][operation.method] = entry
        }
        let document: [String: Any] = [
            "openapi": "3.0.3",
            "info": ["title": "ConnectorHost", "version": "1.0.0",
                     "description": "Registration (Jitterbit-compatible), catalogue (Obsrv-compatible), control plane and connector calls."],
            "components": ["securitySchemes": [
                "authToken": ["type": "apiKey", "in": "header", "name": "authToken"],
                "bearer": ["type": "http", "scheme": "bearer"],
            ]],
            "security": [["authToken": [String]()], ["bearer": [String]()]],
            "paths": paths,
        ]
        return (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])).map(Array.init) ?? []
    }()
}
