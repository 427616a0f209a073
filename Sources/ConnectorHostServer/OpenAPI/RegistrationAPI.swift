import OpenAPIKit30

/// The Jitterbit-compatible registration routes, as `RegistrationRoutes`
/// answers them: `status` and `operation` in every answer, entity IDs as strings.
enum RegistrationAPI {
    /// A character that trimming `CharacterSet.whitespaces` keeps.
    static let notOnlySpaces = "[^\\t \\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000]"

    static var endpoints: [APIEndpoint] {
        let orgId = APISchema.path("orgId", "The org's ID; an org token may name only its own")
        let connectorId = APISchema.path("connectorId", "The registration's ID")
        let entityId = JSONSchema.string(pattern: "^[0-9]+$")
        func outcome(_ operation: String, description: String) -> APIEndpoint.Success {
            .json(description, APISchema.object(["status": .boolean, "operation": APISchema.oneOf([operation])]))
        }
        return [
            APIEndpoint(
                .post, "/orgs/{orgId}/connector", id: "registerConnector", tag: "registration",
                summary: "Register a connector: id, key, secret (shown once) and a block of 100 entity IDs",
                parameters: [orgId],
                // Both are trimmed of spaces (Unicode Zs and tab), then must hold
                // 1 to 128 (name) or 64 (version) characters.
                body: APISchema.body(APISchema.object([
                    "name": .string(minLength: 1, maxLength: 128, pattern: notOnlySpaces),
                    "version": .string(minLength: 1, maxLength: 64, pattern: notOnlySpaces),
                ])),
                success: .json("The registration; its secret is shown this once", APISchema.object([
                    "status": APISchema.constant(true),
                    "operation": APISchema.oneOf(["Register a connector"]),
                    "id": .string, "key": .string, "secret": .string,
                    "endpointEntityId": entityId, "functionEntityStartId": entityId, "functionEntityEndId": entityId,
                ])),
                errors: [404, 409], shape: .registration
            ),
            APIEndpoint(
                .get, "/orgs/{orgId}/connector", id: "listRegistrations", tag: "registration",
                summary: "List registered connectors (secret masked)", parameters: [orgId],
                success: .json("The org's registrations", APISchema.object([
                    "status": APISchema.constant(true),
                    "operation": APISchema.oneOf(["List registered connectors"]),
                    "registeredConnectorList": .array(items: APISchema.object([
                        "id": .string, "name": .string, "version": .string, "key": .string,
                        "secret": APISchema.oneOf(["********"]),
                        "endpointEntityId": entityId, "functionEntityStartId": entityId, "functionEntityEndId": entityId,
                    ])),
                ])),
                errors: [404], shape: .registration
            ),
            APIEndpoint(
                .delete, "/orgs/{orgId}/connector/{connectorId}", id: "deleteRegistration", tag: "registration",
                summary: "Delete a registration no Live connector uses", parameters: [orgId, connectorId],
                success: outcome("Delete a connector", description: "Deleted"), errors: [404, 409], shape: .registration
            ),
            APIEndpoint(
                .delete, "/orgs/{orgId}/connector/{connectorId}/sdk/delete", id: "deleteRegistrationUIPayload",
                tag: "registration", summary: "Delete the UI payload of a registration", parameters: [orgId, connectorId],
                success: outcome("Delete connector UI payload", description: "Deleted"), errors: [404, 409],
                shape: .registration
            ),
            APIEndpoint(
                .put, "/orgs/{orgId}/connector/validate/securityinfo", id: "validateSecurityInfo", tag: "registration",
                summary: "Whether a key and secret belong to the named registration", parameters: [orgId],
                body: APISchema.body(APISchema.object(["name": .string, "key": .string, "secret": .string])),
                success: outcome(
                    "Validate connector security info", description: "status: whether the key and secret are the registration's"
                ),
                errors: [404], shape: .registration
            ),
        ]
    }
}
