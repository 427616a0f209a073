import OpenAPIKit30

/// The control plane and the admin routes, as `ControlPlaneRoutes` and
/// `AdminRoutes` answer them.
enum ControlPlaneAPI {
    /// The script's media type, which OpenAPIKit knows only by its obsolete name.
    private static let javascript = OpenAPI.ContentType(rawValue: "text/javascript") ?? .javascript

    static var endpoints: [APIEndpoint] {
        let name = APISchema.path("name", "The plugin's name")
        let status = APIEndpoint.Success.json("The plugin's state after the action", APISchema.ref("PluginStatus"))
        func action(_ verb: String, _ id: String, _ summary: String, errors: [Int]) -> APIEndpoint {
            APIEndpoint(
                .post, "/plugins/{name}/\(verb)", id: id, tag: "control plane", summary: summary, access: .admin,
                parameters: [name], success: status, errors: errors
            )
        }
        return [
            APIEndpoint(
                .get, "/healthz", id: "getHealth", tag: "control plane", summary: "Liveness; no token needed", access: .anyone,
                success: .json("The server is up", APISchema.object(["status": APISchema.oneOf(["ok"])]))
            ),
            APIEndpoint(
                .get, "/metrics", id: "getMetrics", tag: "control plane",
                summary: "Prometheus text: calls, failures and rejections by kind, retries, latency, breaker state, health, restarts (admin)",
                access: .admin,
                success: .init(
                    description: "The Prometheus text exposition format 0.0.4",
                    schema: .string, contentType: .txt
                )
            ),
            APIEndpoint(
                .get, "/openapi.json", id: "getOpenAPIDocument", tag: "control plane", summary: "This document",
                success: .json("The OpenAPI 3.0 document", .object(properties: [
                    "openapi": .string, "info": .object, "paths": .object, "components": .object,
                ]))
            ),
            APIEndpoint(
                .get, "/plugins", id: "listPlugins", tag: "control plane",
                summary: "Every plugin: version, ABI, runtime, health, breaker, last crash, file hash; and which host answered",
                success: .json("The plugins", APISchema.object([
                    "host": APISchema.string("The host that answered: its --host-id (in a fleet, hosts differ in workers and breakers)"),
                    "plugins": .array(items: APISchema.ref("PluginStatus")),
                ]))
            ),
            APIEndpoint(
                .get, "/", id: "getConsole", tag: "console", summary: "The web console's page; no token needed (it asks for one)",
                access: .anyone, success: .init(description: "The page", schema: .string, contentType: .html)
            ),
            APIEndpoint(
                .get, "/console/console.js", id: "getConsoleScript", tag: "console", summary: "The web console's script",
                access: .anyone,
                success: .init(description: "JavaScript (text/javascript, RFC 9239)", schema: .string, contentType: javascript)
            ),
            APIEndpoint(
                .get, "/console/console.css", id: "getConsoleStyle", tag: "console", summary: "The web console's style sheet",
                access: .anyone, success: .init(description: "CSS", schema: .string, contentType: .css)
            ),
            APIEndpoint(
                .get, "/me", id: "getIdentity", tag: "control plane", summary: "Who the token is: the admin or an org",
                success: .json("The token's principal", APISchema.object([
                    "principal": APISchema.string("`admin` or `org:ID`"),
                    "org": .string(required: false, nullable: true, description: "The org's ID; absent for the admin"),
                    "admin": .boolean,
                ]))
            ),
            APIEndpoint(
                .get, "/activity", id: "getActivity", tag: "control plane",
                summary: "Calls per second, failures and p50/p99 latency of each plugin the caller owns, over the last five minutes",
                success: .json("Windows of ten seconds per plugin, oldest first", APISchema.object([
                    "windowSeconds": .integer,
                    "plugins": .array(items: APISchema.object([
                        "name": .string,
                        "windows": .array(items: .object(properties: [
                            "secondsAgo": .integer, "calls": .integer, "failures": .integer, "callsPerSecond": .number,
                            "p50Milliseconds": .number(required: false, nullable: true),
                            "p99Milliseconds": .number(required: false, nullable: true),
                        ])),
                    ])),
                ]))
            ),
            APIEndpoint(
                .get, "/plugins/{name}", id: "getPlugin", tag: "control plane",
                summary: "One plugin, with its functions and their signatures", parameters: [name],
                success: .json("The plugin", APISchema.ref("PluginDetail")), errors: [404]
            ),
            action("restart", "restartPlugin", "Start a fresh sandbox worker; lifts quarantine (admin)", errors: [404, 502, 503, 504]),
            action("warm", "warmPlugin", "Start the sandbox worker of an idle plugin now, not on its first call; it stops again after its idle period unless served with --warm (admin)",
                   errors: [404, 502, 503, 504]),
            action("reload", "reloadPlugin", "Load the plugin file's current build, without dropping a call (admin)",
                   errors: [400, 404, 409, 422, 502, 503, 504]),
            action("pause", "pausePlugin", "Refuse calls until resumed (admin)", errors: [404]),
            action("resume", "resumePlugin", "Take calls again (admin)", errors: [404]),
        ] + admin
    }

    private static var admin: [APIEndpoint] {
        let orgId = APISchema.path("orgId", "The org's ID")
        return [
            APIEndpoint(
                .post, "/admin/orgs", id: "createOrg", tag: "admin", summary: "Create an org (admin)", access: .admin,
                body: APISchema.body(APISchema.object([
                    "id": .string(description: "1 to 64 ASCII letters, digits, '-' or '_'", pattern: "^[A-Za-z0-9_-]{1,64}$"),
                    "name": .string(minLength: 1),
                ])),
                success: .json("The org", APISchema.ref("Org"), status: 201), errors: [409]
            ),
            APIEndpoint(
                .get, "/admin/orgs", id: "listOrgs", tag: "admin", summary: "List orgs (admin)", access: .admin,
                success: .json("The orgs, by ID", APISchema.object(["orgs": .array(items: APISchema.ref("Org"))]))
            ),
            APIEndpoint(
                .post, "/admin/orgs/{orgId}/tokens", id: "issueOrgToken", tag: "admin",
                summary: "Issue a token for an org; shown once (admin)", access: .admin, parameters: [orgId],
                success: .json("The token", APISchema.ref("IssuedToken"), status: 201), errors: [404]
            ),
            APIEndpoint(
                .post, "/admin/tokens", id: "issueAdminToken", tag: "admin",
                summary: "Issue another admin token, for rotation; shown once (admin)", access: .admin,
                success: .json("The token", APISchema.ref("IssuedAdminToken"), status: 201)
            ),
            APIEndpoint(
                .get, "/admin/tokens", id: "listTokens", tag: "admin", summary: "Every token, revoked ones too (admin)",
                access: .admin,
                success: .json("The tokens; never their secrets", APISchema.object(["tokens": .array(items: APISchema.ref("Token"))]))
            ),
            APIEndpoint(
                .delete, "/admin/tokens/{tokenId}", id: "revokeToken", tag: "admin",
                summary: "Revoke a token; not the last admin token, nor the one making the request (admin)",
                access: .admin, parameters: [APISchema.path("tokenId", "The token's ID (tok_…, admin-…)")],
                success: .json("Revoked", APISchema.object(["revoked": APISchema.constant(true)])), errors: [404, 409]
            ),
            APIEndpoint(
                .get, "/admin/audit", id: "getAuditTrail", tag: "admin", summary: "The audit trail, newest first (admin)",
                access: .admin,
                success: .json("The entries", APISchema.object(["entries": .array(items: APISchema.ref("AuditEntry"))]))
            ),
        ]
    }
}
